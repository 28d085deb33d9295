using AnomalyBench.Harness;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Runs;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>The report of a finished fake experiment: side-by-side cells and notes, statistics, and <c>harness report</c> rebuilding the same files.</summary>
public class ReportTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-report-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>Two seeds of the fake method (scores = mean pixel value) and of "dim" (half its scores) on two generated categories, in <paramref name="dir"/>.</summary>
    internal static SweepRunner RunFakeExperiment(string dir)
    {
        var path = Path.Combine(dir, "experiment.yaml");
        File.WriteAllText(path, """
            experiment: reported
            output: results
            device: cpu
            seeds: [0, 1]
            report: {bootstrap_replicates: 50, bootstrap_seed: 4}
            datasets:
              - kind: synthetic
                root: cache
                categories: [fabric, tile]
                synthetic: {image_size: 48, train_count: 2, test_count: 8}
            methods:
              - key: fake
                profile: quick
              - key: fake
                name: dim
                profile: quick
                gain: 1.0
            """);
        var config = ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var runner = new SweepRunner(config, path, FakeMethod.Registry, new LineProgress(TextWriter.Null));
        Assert.That(runner.Run().Finished, Is.EqualTo(8));
        return runner;
    }

    private static ReferenceFile FakeReference() => new()
    {
        Method = "fake",
        Source = "Fake et al. 2026, Table 1",
        Protocol = ["The paper selects the best epoch on the test set."],
        Entries =
        [
            new ReferenceEntry
            {
                Dataset = "synthetic",
                Setting = new() { ["backbone"] = "none" },
                Caveats = "AUPRO per image.",
                Metrics = new() { ["image_auroc"] = new() { ["fabric"] = 50.0, ["mean"] = 60.0 } },
            },
            new ReferenceEntry { Dataset = "synthetic", Setting = new() { ["resolution"] = "512" }, Metrics = new() { ["image_auroc"] = new() { ["mean"] = 70.0 } } },
        ],
    };

    [Test]
    public void TheSideBySideTableHoldsOursThePapersNumbersTheDifferencesAndTheNotes()
    {
        var runner = RunFakeExperiment(_dir);
        var results = ExperimentResults.Load(runner.Layout);
        var tables = SideBySide.Build(results, new Dictionary<string, ReferenceFile> { ["fake"] = FakeReference() });
        Assert.That(tables.Select(t => t.Method), Is.EqualTo(new[] { "dim", "fake" }), "in the order of the run folders");
        var fake = tables[1];
        Assert.That(fake.Metrics.Take(3), Is.EqualTo(new[] { "image_auroc", "pixel_auroc", "aupro_0.3" }));
        Assert.That(fake.Rows.Select(r => r.Category), Is.EqualTo(new[] { "fabric", "tile", "mean" }));

        double Ours(string category, string metric) =>
            results.Runs.Where(r => r.Result.Category == category && r.Result.Method == "fake").Average(r => r.Metric(metric)!.Value) * 100;
        var fabric = fake.Rows[0].Cells[0];
        Assert.That(fabric.Ours, Is.EqualTo(Ours("fabric", "image_auroc")).Within(1e-9));
        Assert.That(fabric.OursStd, Is.EqualTo(0).Within(1e-12), "the fake method gives the same scores at both seeds");
        Assert.That(fabric.Seeds, Is.EqualTo(2));
        Assert.That(fabric.Paper, Is.EqualTo(50.0));
        Assert.That(fabric.Difference, Is.EqualTo(fabric.Ours - 50.0).Within(1e-9));
        Assert.That(fake.Rows[1].Cells[0].Paper, Is.Null, "the paper has no tile number");
        Assert.That(fake.Rows[1].Cells[0].Difference, Is.Null);
        var mean = fake.Rows[2].Cells[0];
        Assert.That(mean.Ours, Is.EqualTo((Ours("fabric", "image_auroc") + Ours("tile", "image_auroc")) / 2).Within(1e-9));
        Assert.That(mean.Paper, Is.EqualTo(60.0));
        Assert.That(mean.Difference, Is.EqualTo(mean.Ours - 60.0).Within(1e-9));
        Assert.That(fake.Notes, Does.Contain("The paper selects the best epoch on the test set.").And.Contain("AUPRO per image."));
        Assert.That(fake.Notes, Has.Some.Contains("quick profile"));
        Assert.That(fake.OtherEntries, Has.Count.EqualTo(1));

        var markdown = MarkdownReport.SideBySide("reported", tables, ProtocolFooter.Lines(results.Runs));
        Assert.That(markdown, Does.Contain($"| fabric | {fabric.Ours:0.00} ± 0.00 (n=2) | 50.00 | {fabric.Difference:+0.00;−0.00} |"));
        Assert.That(markdown, Does.Contain("Also reported (resolution 512): I-AUROC 70.00"));
        Assert.That(markdown, Does.Contain("Metric protocol and backbone weights:").And.Contain("AUPRO: exact"));
        Assert.That(markdown, Does.EndWith("- Backbone weights: dim, fake: none (no pretrained backbone).\n"), "the fake method stands on no backbone");
        Assert.That(markdown, Does.Not.Contain("†"), "no backbone, nothing that differs from the paper's weights");
    }

    [Test]
    public void TheStatisticsGiveEveryRunItsIntervalsAndEveryMethodItsTestAgainstTheBest()
    {
        var runner = RunFakeExperiment(_dir);
        var results = ExperimentResults.Load(runner.Layout);
        var options = new StatisticsOptions(BootstrapReplicates: 50, BootstrapSeed: 4);
        var intervals = RunStatistics.Intervals(results, options);
        Assert.That(intervals, Has.Count.EqualTo(8));
        foreach (var c in intervals)
        {
            Assert.That(c.Image!.Auroc, Is.EqualTo(c.Run.Metric("image_auroc")).Within(1e-12), "DeLong's AUROC is the run's I-AUROC");
            Assert.That(c.Pixel!.Estimate, Is.EqualTo(c.Run.Metric("pixel_auroc")!.Value).Within(1e-3), "the maps file holds float16 maps");
            Assert.That(c.Image.Lower, Is.LessThanOrEqualTo(c.Image.Auroc));
            Assert.That(c.Pixel.Replicates + c.Pixel.Skipped, Is.EqualTo(50));
        }
        // "dim" halves every score (gain 1 against the quick profile's 2): the same ranking, so the paired test finds no difference at all.
        var comparisons = RunStatistics.AgainstBest(results, options);
        Assert.That(comparisons, Has.Count.EqualTo(4), "one per category and seed");
        Assert.That(comparisons.All(c => c.Test.P == 1 && !c.SignificantlyWorse && c.Best == "dim" && c.Method == "fake"), Is.True,
            "equal I-AUROCs: the best is the first by name");
    }

    [Test]
    public void HarnessReportRebuildsTheFilesTheRunWrote()
    {
        var runner = RunFakeExperiment(_dir);
        var folders = new[] { runner.Layout.Tables, runner.Layout.Report, runner.Layout.Plots, runner.Layout.HeatMaps };
        var files = folders.SelectMany(f => Directory.EnumerateFiles(f)).Order(StringComparer.Ordinal).ToList();
        Assert.That(files.Select(Path.GetFileName), Does.Contain("side_by_side.md").And.Contain("statistics.md").And.Contain("synthetic_confidence.csv"));
        var contents = files.ToDictionary(f => f, File.ReadAllText);
        foreach (var f in folders) Directory.Delete(f, recursive: true);

        var (output, error) = (new StringWriter(), new StringWriter());
        var code = Cli.Invoke(["report", runner.Layout.Root], output, error);
        Assert.That(code, Is.Zero, error.ToString());
        Assert.That(output.ToString(), Does.Contain("8 finished run(s)"));
        var rebuilt = folders.SelectMany(f => Directory.EnumerateFiles(f)).Order(StringComparer.Ordinal).ToList();
        Assert.That(rebuilt, Is.EqualTo(files));
        foreach (var f in rebuilt) Assert.That(File.ReadAllText(f), Is.EqualTo(contents[f]), f);
    }

    [Test]
    public void TablesMarkTheUnifiedSetting()
    {
        var path = Path.Combine(_dir, "unified.yaml");
        File.WriteAllText(path, """
            experiment: unified
            output: results
            device: cpu
            setting: unified
            report: {bootstrap_replicates: 20}
            datasets:
              - kind: synthetic
                root: cache
                categories: [fabric, tile]
                synthetic: {image_size: 48, train_count: 2, test_count: 8}
            methods:
              - key: fake
                profile: quick
            """);
        var registry = new AnomalyBench.Methods.MethodRegistry([FakeMethod.Info with { SupportsUnified = true }]);
        var config = ConfigLoader.Load(path, registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var runner = new SweepRunner(config, path, registry, new LineProgress(TextWriter.Null));
        Assert.That(runner.Run().Finished, Is.EqualTo(1), "one model for the data set");
        var results = ExperimentResults.Load(runner.Layout);
        Assert.That(results.Runs.Select(r => (r.Result.Category, r.Result.Setting)), Is.EqualTo(new[] { ("fabric", "unified"), ("tile", "unified") }));
        var table = SideBySide.Build(results, new Dictionary<string, ReferenceFile>()).Single();
        Assert.That(table.Setting, Is.EqualTo("unified"));
        Assert.That(table.Notes, Has.Some.StartsWith("Unified setting"));
        Assert.That(File.ReadAllText(Path.Combine(runner.Layout.Report, "side_by_side.md")), Does.Contain("## synthetic — fake — unified (one model for all categories)"));
        Assert.That(File.ReadAllText(Path.Combine(runner.Layout.Tables, "synthetic_side_by_side.csv")), Does.Contain("synthetic,fake,fake,unified,fabric,image_auroc"));
    }

    [Test]
    public void HarnessReportSaysWhatIsWrongWithItsFolder()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.That(Cli.Invoke(["report", Path.Combine(_dir, "missing")], output, error), Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("no such experiment folder"));
        error.GetStringBuilder().Clear();
        Assert.That(Cli.Invoke(["report", _dir], output, error), Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("no finished run"));
    }
}
