using System.CommandLine;
using System.Text.Json.Nodes;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness report EXPERIMENT_DIR</c>: rebuilds every table, the side-by-side and statistics reports from the
/// finished runs of an experiment folder, without running anything (after shards finish, or after a reference file
/// changed). The report settings are the sweep's (manifest.json) unless given here.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("experiment-dir") { Description = "The experiment's results folder: <output>/<experiment>." };
        var replicates = new Option<int?>("--bootstrap-replicates") { Description = "B of the pixel-AUROC cluster bootstrap (default: the sweep's, else 1000)." };
        var seed = new Option<int?>("--bootstrap-seed") { Description = "The bootstrap's seed (default: the sweep's, else 0)." };
        var references = new Option<DirectoryInfo?>("--references") { Description = "A folder of reference-number files (default: the harness's References)." };
        var command = new Command("report", "Rebuild the tables and reports of an experiment folder from its finished runs.") { folder, replicates, seed, references };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(folder)!.FullName;
            try
            {
                var layout = new ResultsLayout(dir);
                var sweep = SweepSettings(layout);
                var defaults = new ReportConfig();
                var statistics = new StatisticsOptions(
                    parse.GetValue(replicates) ?? sweep.Replicates ?? defaults.BootstrapReplicates,
                    parse.GetValue(seed) ?? sweep.Seed ?? defaults.BootstrapSeed);
                var options = new ReportOptions(statistics, sweep.HeatmapImages ?? defaults.HeatmapImages);
                if (statistics.BootstrapReplicates < 1) throw new ArgumentException($"--bootstrap-replicates must be at least 1, got {statistics.BootstrapReplicates}");
                var results = ExperimentResults.Load(layout, sweep.Experiment);
                if (results.Runs.Count == 0)
                {
                    error.WriteLine($"{dir}: no finished run (no metrics.json below it); run the experiment first");
                    return 1;
                }
                var written = ReportBuilder.Build(results, ReferenceNumbers.LoadAll(parse.GetValue(references)?.FullName), options);
                output.WriteLine($"report of {results.Experiment}: {results.Runs.Count} finished run(s), {written.Count} file(s) written under {layout.Root}");
                foreach (var file in written) output.WriteLine($"  {Path.GetRelativePath(layout.Root, file)}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or ConfigException)
            {
                error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>The experiment name and report settings the sweep recorded in manifest.json, where there is one.</summary>
    private static (string? Experiment, int? Replicates, int? Seed, int? HeatmapImages) SweepSettings(ResultsLayout layout)
    {
        if (!File.Exists(layout.Manifest)) return (null, null, null, null);
        var manifest = JsonNode.Parse(File.ReadAllText(layout.Manifest)) as JsonObject
            ?? throw new InvalidDataException($"{layout.Manifest}: not a manifest written by this harness");
        var report = manifest["config"]?["report"];
        return (manifest["experiment"]?.GetValue<string>(), report?["bootstrap_replicates"]?.GetValue<int>(), report?["bootstrap_seed"]?.GetValue<int>(),
            report?["heatmap_images"]?.GetValue<int>());
    }
}
