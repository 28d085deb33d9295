using System.CommandLine;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using Spectre.Console;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness run FILE.yaml [--force] [--shard i/n | --workers n]</c>: the sweep over methods × data sets × categories × seeds.
/// Finished runs are skipped; Ctrl-C stops after the current step, leaving no half-written file.
/// </summary>
internal static class RunCommand
{
    public static Command Create(MethodRegistry registry)
    {
        var file = new Argument<FileInfo>("file") { Description = "The experiment file (YAML)." };
        var force = new Option<bool>("--force") { Description = "Run again runs that have finished." };
        var shardOption = new Option<string?>("--shard")
        {
            Description = "Run only part i of n of the plan (i from 0 to n-1, e.g. 0/4): disjoint parts that together cover it; all shards write into the same results folder.",
        };
        var workersOption = new Option<int>("--workers")
        {
            Description = "Run the sweep as this many shards at once on this machine, each on its share of the cores (ANOMALYBENCH_THREADS or the file's threads: to choose), then build the report.",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command("run", "Run the sweep an experiment file describes.") { file, force, shardOption, workersOption };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            ExperimentConfig config;
            Shard shard;
            var workers = parse.GetValue(workersOption);
            try
            {
                config = ConfigLoader.Load(path, registry, DatasetReaders.Kinds);
                shard = parse.GetValue(shardOption) is { } text ? Shard.Parse(text) : Shard.All;
                if (workers < 1) throw new ArgumentException($"--workers must be at least 1, got {workers}");
                if (workers > 1 && shard.Count > 1)
                    throw new ArgumentException("--workers runs every shard of the plan on this machine; give either --workers or --shard, not both");
            }
            catch (Exception e) when (e is ConfigException or ArgumentException)
            {
                error.WriteLine(e.Message);
                return 2;
            }

            using var cancellation = new CancellationTokenSource();
            ConsoleCancelEventHandler stop = (_, e) =>
            {
                // The first Ctrl-C stops after the current step; a second one kills the process.
                if (cancellation.IsCancellationRequested) return;
                e.Cancel = true;
                error.WriteLine("stopping after the current step (Ctrl-C again to kill)...");
                cancellation.Cancel();
            };
            Console.CancelKeyPress += stop;
            try
            {
                if (workers > 1) return RunWorkers(config, path, workers, parse.GetValue(force), output, cancellation.Token);
                var summary = Interactive(output)
                    ? RunWithBars(config, path, registry, parse.GetValue(force), shard, cancellation.Token)
                    : new SweepRunner(config, path, registry, new LineProgress(output)).Run(parse.GetValue(force), cancellation.Token, shard);
                Report(summary, config, path, output, error);
                return summary.ExitCode;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or DatasetLayoutException or WeightsException)
            {
                error.WriteLine(e.Message);
                return 2;
            }
            finally
            {
                Console.CancelKeyPress -= stop;
            }
        });
        return command;
    }

    /// <summary>Progress bars on a terminal; plain lines when output is redirected or CI is set.</summary>
    private static bool Interactive(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    private static SweepSummary RunWithBars(ExperimentConfig config, string path, MethodRegistry registry, bool force, Shard shard, CancellationToken token)
    {
        SweepSummary? summary = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => summary = new SweepRunner(config, path, registry, new SpectreProgress(ctx)).Run(force, token, shard));
        return summary!;
    }

    /// <summary>The shards as processes on this machine (<see cref="LocalShards"/>), then the report over every finished run.</summary>
    private static int RunWorkers(ExperimentConfig config, string path, int workers, bool force, TextWriter output, CancellationToken token)
    {
        var codes = new LocalShards(path, workers, config.Threads, output).Run(force, token);
        var layout = ResultsLayout.For(config, path);
        var results = ExperimentResults.Load(layout, config.Experiment);
        if (results.Runs.Count > 0)
        {
            var written = ReportBuilder.Build(results, ReferenceNumbers.LoadAll(), ReportOptions.From(config.Report));
            output.WriteLine($"report of {results.Experiment}: {results.Runs.Count} finished run(s), {written.Count} file(s) written under {layout.Root}");
            new LineProgress(output).Summary(ResultsSummary.Of(results));
        }
        for (var i = 0; i < codes.Count; i++)
            if (codes[i] != 0) output.WriteLine($"worker {new Shard(i, workers)} exited with {codes[i]}");
        output.WriteLine($"results: {layout.Root}");
        return codes.Contains(130) ? 130 : codes.FirstOrDefault(c => c != 0);
    }

    private static void Report(SweepSummary summary, ExperimentConfig config, string path, TextWriter output, TextWriter error)
    {
        var layout = ResultsLayout.For(config, path);
        output.WriteLine($"{summary.Finished} job(s) run, {summary.Skipped} skipped (finished before), " +
                         $"{(summary.Locked > 0 ? $"{summary.Locked} left to the process running them, " : "")}{summary.Failures.Count} failed{(summary.Cancelled ? ", stopped early" : "")}");
        output.WriteLine($"results: {layout.Root}");
        foreach (var failure in summary.Failures) error.WriteLine($"failed: {failure}");
    }
}
