using System.Text;

namespace AnomalyBench.Harness.Slurm;

/// <summary>
/// The batch scripts of a sweep on Slurm: <c>sweep.sbatch</c>, a job array whose task k runs shard k/N of the plan
/// (<c>harness run FILE --shard $SLURM_ARRAY_TASK_ID/N</c>) with its own log, and <c>report.sbatch</c>, run after the
/// array (dependency <c>afterany</c>) to build the report from every finished run. Resubmitting the same scripts
/// resumes: finished runs are skipped and run locks keep two tasks off one run. The scripts call the built harness
/// (<c>dotnet harness.dll</c>), so array tasks never build concurrently.
/// </summary>
public static class SlurmScripts
{
    public const string SweepFile = "sweep.sbatch";
    public const string ReportFile = "report.sbatch";

    /// <param name="experiment">the experiment's name (job names).</param>
    /// <param name="configFile">the experiment file, absolute.</param>
    /// <param name="resultsFolder">the experiment's results folder, absolute (logs go to its slurm/logs).</param>
    /// <param name="harnessDll">the built harness, absolute.</param>
    public static string Sweep(string experiment, string configFile, string resultsFolder, string harnessDll, SlurmOptions options)
    {
        options.Validate();
        var logs = Path.Combine(resultsFolder, "slurm", "logs");
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append("# AnomalyBench sweep as a Slurm job array: task k runs shard k/").Append(options.ArraySize).Append(" of the plan.\n");
        sb.Append("# Written by `harness slurm`; resubmit it to resume (finished runs are skipped).\n");
        sb.Append("#SBATCH --job-name=").Append(JobName(experiment)).Append('\n');
        sb.Append("#SBATCH --array=0-").Append(options.ArraySize - 1);
        if (options.MaxConcurrent is { } max) sb.Append('%').Append(max);
        sb.Append('\n');
        sb.Append("#SBATCH --ntasks=1\n");
        sb.Append("#SBATCH --cpus-per-task=").Append(options.CpusPerTask).Append('\n');
        if (options.GpusPerTask > 0) sb.Append("#SBATCH --gpus-per-task=").Append(options.GpusPerTask).Append('\n');
        sb.Append("#SBATCH --time=").Append(options.Time).Append('\n');
        if (options.Partition is { } partition) sb.Append("#SBATCH --partition=").Append(partition).Append('\n');
        if (options.Memory is { } memory) sb.Append("#SBATCH --mem=").Append(memory).Append('\n');
        sb.Append("#SBATCH --output=").Append(Path.Combine(logs, "%A_%a.out")).Append('\n');
        sb.Append("set -euo pipefail\n");
        sb.Append("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-").Append(options.CpusPerTask).Append("}\"\n");
        sb.Append("export CI=1  # plain log lines, no progress bars\n");
        sb.Append("exec dotnet ").Append(Quote(harnessDll)).Append(" run ").Append(Quote(configFile))
            .Append(" --shard \"${SLURM_ARRAY_TASK_ID}/").Append(options.ArraySize).Append("\"\n");
        return sb.ToString();
    }

    public static string Report(string experiment, string resultsFolder, string harnessDll, SlurmOptions options)
    {
        var logs = Path.Combine(resultsFolder, "slurm", "logs");
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append("# AnomalyBench: the report of the sweep, after every array task (afterany, so failed tasks do not block it).\n");
        sb.Append("#SBATCH --job-name=").Append(JobName(experiment)).Append("-report\n");
        sb.Append("#SBATCH --ntasks=1\n");
        sb.Append("#SBATCH --cpus-per-task=").Append(Math.Min(options.CpusPerTask, 4)).Append('\n');
        sb.Append("#SBATCH --time=02:00:00\n");
        if (options.Partition is { } partition) sb.Append("#SBATCH --partition=").Append(partition).Append('\n');
        sb.Append("#SBATCH --output=").Append(Path.Combine(logs, "report_%j.out")).Append('\n');
        sb.Append("set -euo pipefail\n");
        sb.Append("exec dotnet ").Append(Quote(harnessDll)).Append(" report ").Append(Quote(resultsFolder)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Single-quoted for bash (a quote inside becomes '\'').</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string JobName(string experiment) =>
        "ab-" + new string(experiment.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
