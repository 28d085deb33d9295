using System.CommandLine;
using System.Diagnostics;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Harness.Slurm;
using AnomalyBench.Methods;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness slurm FILE.yaml [--array-size N] [--gpus-per-task G] [--time T] [--partition P] [--submit]</c>: writes
/// the sweep's Slurm scripts into <c>&lt;results&gt;/slurm/</c> (a job array, one shard per task, and a dependent report
/// job); <c>--submit</c> hands them to <c>sbatch</c>.
/// </summary>
internal static class SlurmCommand
{
    public static Command Create(MethodRegistry registry)
    {
        var file = new Argument<FileInfo>("file") { Description = "The experiment file (YAML)." };
        var arraySize = new Option<int?>("--array-size") { Description = "Array tasks (shards); default: one per training job of the plan." };
        var gpus = new Option<int>("--gpus-per-task") { Description = "GPUs per array task (0 for CPU).", DefaultValueFactory = _ => 1 };
        var cpus = new Option<int>("--cpus-per-task") { Description = "CPU cores per array task.", DefaultValueFactory = _ => 8 };
        var time = new Option<string>("--time") { Description = "Wall-time limit per task (Slurm format).", DefaultValueFactory = _ => "24:00:00" };
        var partition = new Option<string?>("--partition") { Description = "The Slurm partition (default: the cluster's)." };
        var memory = new Option<string?>("--mem") { Description = "Memory per task, e.g. 64G (default: the cluster's)." };
        var maxConcurrent = new Option<int?>("--max-concurrent") { Description = "At most this many tasks at once." };
        var submit = new Option<bool>("--submit") { Description = "Submit with sbatch: the array, then the report job after it." };
        var command = new Command("slurm", "Write (and optionally submit) Slurm scripts that run the sweep as a job array.")
        {
            file, arraySize, gpus, cpus, time, partition, memory, maxConcurrent, submit,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var config = ConfigLoader.Load(path, registry, DatasetReaders.Kinds);
                var jobs = Planner.PlanWithoutGenerating(config, path);
                var options = new SlurmOptions(
                    parse.GetValue(arraySize) ?? jobs.Count, parse.GetValue(gpus), parse.GetValue(cpus), parse.GetValue(time)!,
                    parse.GetValue(partition), parse.GetValue(memory), parse.GetValue(maxConcurrent));
                options.Validate();
                if (options.ArraySize > jobs.Count)
                    output.WriteLine($"note: {options.ArraySize} array tasks for {jobs.Count} job(s): {options.ArraySize - jobs.Count} task(s) will find nothing to do");

                var layout = ResultsLayout.For(config, path);
                var folder = Path.Combine(layout.Root, "slurm");
                Directory.CreateDirectory(Path.Combine(folder, "logs"));
                var dll = typeof(SlurmCommand).Assembly.Location;
                var sweep = Path.Combine(folder, SlurmScripts.SweepFile);
                var report = Path.Combine(folder, SlurmScripts.ReportFile);
                AnomalyBench.Torch.AtomicFile.WriteAllText(sweep, SlurmScripts.Sweep(config.Experiment, path, layout.Root, dll, options));
                AnomalyBench.Torch.AtomicFile.WriteAllText(report, SlurmScripts.Report(config.Experiment, layout.Root, dll, options));
                output.WriteLine($"{jobs.Count} job(s) in {options.ArraySize} shard(s):");
                output.WriteLine($"  {sweep}");
                output.WriteLine($"  {report}");
                if (!parse.GetValue(submit))
                {
                    output.WriteLine($"submit: sbatch --parsable {sweep}  then  sbatch --dependency=afterany:<array job id> {report}");
                    return 0;
                }
                var arrayJob = Sbatch(sweep, null);
                var reportJob = Sbatch(report, $"afterany:{arrayJob}");
                output.WriteLine($"submitted: array job {arrayJob}, report job {reportJob} (after the array); logs in {Path.Combine(folder, "logs")}");
                return 0;
            }
            catch (Exception e) when (e is ConfigException or ArgumentException or IOException or DatasetLayoutException or InvalidOperationException)
            {
                error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>Runs <c>sbatch --parsable</c> and returns the job id.</summary>
    private static string Sbatch(string script, string? dependency)
    {
        var start = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--parsable");
        if (dependency is not null) start.ArgumentList.Add($"--dependency={dependency}");
        start.ArgumentList.Add(script);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("sbatch did not start");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("sbatch was not found: run this on a Slurm login node, or submit the written scripts there");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"sbatch {script} failed ({process.ExitCode}): {stderr.Trim()}");
            // --parsable prints "jobid" or "jobid;cluster".
            return stdout.Trim().Split(';')[0];
        }
    }
}
