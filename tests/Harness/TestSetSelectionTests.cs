using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// <c>selection: best_test_epoch</c> (issue 20): the published protocols of CFA (best value of each metric over the epochs)
/// and SSM (the model of the epoch with the best test image AUROC), reproduced as labelled options, with the last epoch's
/// numbers kept beside them, marked in every table and never ranked. Fakes with known per-epoch rankings; the real CFA and
/// SSM run the same path in <see cref="CfaAndSsmReproduceTheirPublishedSelectionEndToEnd"/>.
/// </summary>
public class TestSetSelectionTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-selection-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private (SweepSummary Summary, SweepRunner Runner, StringWriter Log) Run(string methods, MethodRegistry? registry = null, string seeds = "[0]")
    {
        registry ??= FakeMethod.SelectionRegistry;
        var path = TinyExperiment.Write(_dir, methods, seeds: seeds);
        var config = ConfigLoader.Load(path, registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var log = new StringWriter();
        var runner = new SweepRunner(config, path, registry, new LineProgress(log));
        return (runner.Run(force: false), runner, log);
    }

    private static RunResult Read(SweepRunner runner, string method) =>
        RunResult.Read(runner.Layout.File(new RunKey("synthetic", "fabric", method, 0), "metrics.json"));

    [Test]
    public void CfasRuleReportsEachMetricsBestEpochAndKeepsTheLastEpochsNumbersBeside()
    {
        var (_, first, _) = Run("  - key: fake\n    name: plain");
        var plain = Read(first, "plain").Metrics;
        var (image, pixel) = (plain["image_auroc"]!.Value, plain["pixel_auroc"]!.Value);
        Assume.That(image, Is.Not.EqualTo(0.5).Within(1e-9));
        Assume.That(pixel, Is.Not.EqualTo(0.5).Within(1e-9));
        // Epoch 1 ranks pixels the better way and images the worse; epoch 2 the other way round.
        static string Signs(bool firstBetter) => firstBetter ? "[1, -1]" : "[-1, 1]";
        var (summary, runner, log) = Run($"""
              - key: fake
                name: plain
              - key: fake_per_metric
                selection: best_test_epoch
                epoch_map_gains: {Signs(pixel > 0.5)}
                epoch_score_signs: {Signs(image < 0.5)}
            """);
        Assert.That(summary.Finished, Is.EqualTo(1), log.ToString());
        var selected = Read(runner, "fake_per_metric_best_test_epoch");
        var (bestImage, bestPixel) = (Math.Max(image, 1 - image), Math.Max(pixel, 1 - pixel));

        var points = selected.IntermediateTestMetrics!.Points;
        Assert.That(points.Select(p => p.After), Is.EqualTo(new[] { "epoch 1", "epoch 2" }), "the test set after every epoch");
        Assert.That(points[0].Metrics["image_auroc"], Is.EqualTo(1 - bestImage).Within(1e-9), "epoch 1 ranks images the worse way");
        Assert.That(points[1].Metrics["pixel_auroc"], Is.EqualTo(1 - bestPixel).Within(1e-9), "epoch 2 ranks pixels the worse way");
        // Each metric is its own best: the image AUROC from epoch 2, the pixel AUROC from epoch 1, a pair no model produced.
        Assert.That(selected.Metrics["image_auroc"], Is.EqualTo(bestImage).Within(1e-9));
        Assert.That(selected.Metrics["pixel_auroc"], Is.EqualTo(bestPixel).Within(1e-9));
        foreach (var (metric, value) in selected.Metrics.Where(m => m.Value is not null))
            Assert.That(value, Is.EqualTo(points.Max(p => p.Metrics[metric]!.Value)).Within(1e-12), metric);
        var record = selected.Selection!;
        Assert.That(record.Rule, Is.EqualTo("best_value_per_metric"));
        Assert.That((record.Chosen["image_auroc"], record.Chosen["pixel_auroc"]), Is.EqualTo(("epoch 2", "epoch 1")));
        // The honest numbers beside: the model training left, epoch 2's.
        Assert.That(record.LastEpochMetrics["image_auroc"], Is.EqualTo(bestImage).Within(1e-9));
        Assert.That(record.LastEpochMetrics["pixel_auroc"], Is.EqualTo(1 - bestPixel).Within(1e-9));
        Assert.That(selected.IntermediateTestMetrics.Note, Is.EqualTo(IntermediateTestMetrics.SelectionLabel));
        Assert.That(selected.UsesTestSet, Is.True);
        Assert.That(Read(runner, "plain").Selection, Is.Null);
    }

    [Test]
    public void SsmsRuleReportsTheModelOfTheEpochWithTheBestImageAuroc()
    {
        var (_, first, _) = Run("  - key: fake\n    name: plain");
        var plain = Read(first, "plain");
        Assume.That(plain.Metrics["image_auroc"], Is.Not.EqualTo(0.5).Within(1e-9));
        var better = plain.Metrics["image_auroc"] > 0.5 ? 1 : -1;
        // Epoch 1 ranks images the better way, epoch 2 the worse: the method must end with epoch 1's model.
        var (summary, runner, log) = Run($"""
              - key: fake
                name: plain
              - key: fake_best_epoch
                selection: best_test_epoch
                epoch_score_signs: [{better}, {-better}]
            """);
        Assert.That(summary.Finished, Is.EqualTo(1), log.ToString());
        var selected = Read(runner, "fake_best_epoch_best_test_epoch");
        var bestImage = Math.Max(plain.Metrics["image_auroc"]!.Value, 1 - plain.Metrics["image_auroc"]!.Value);
        Assert.That(selected.Metrics["image_auroc"], Is.EqualTo(bestImage).Within(1e-9));
        Assert.That(selected.Selection!.Rule, Is.EqualTo("epoch_of_best_image_auroc"));
        Assert.That(selected.Selection.Chosen.Values.Distinct(), Is.EqualTo(new[] { "epoch 1" }));
        Assert.That(selected.Selection.LastEpochMetrics["image_auroc"], Is.EqualTo(1 - bestImage).Within(1e-9));
        // The written scores are the restored model's (epoch 1's): the plain fake's times the sign, image by image.
        static double[] Scores(SweepRunner runner, string method) => File.ReadAllLines(runner.Layout.File(new RunKey("synthetic", "fabric", method, 0), "scores.csv"))
            .Skip(1).Select(l => double.Parse(l.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That(Scores(runner, "fake_best_epoch_best_test_epoch"), Is.EqualTo(Scores(runner, "plain").Select(v => v * better)).Within(1e-6));
    }

    [Test]
    public void IsRefusedWithTheMethodsThatOfferItWhereTheOfficialProtocolHasNone()
    {
        var path = TinyExperiment.Write(_dir, "  - key: fake\n    selection: best_test_epoch");
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, FakeMethod.SelectionRegistry, AnomalyBench.Datasets.DatasetReaders.Kinds))!;
        Assert.That(error.Message, Does.Contain("experiment.yaml:").And.Contain("selection: best_test_epoch")
            .And.Contain("fake_best_epoch, fake_per_metric").And.Contain("use selection: last"));
        var typo = TinyExperiment.Write(_dir, "  - key: fake_per_metric\n    selection: best_epoch");
        Assert.That(() => ConfigLoader.Load(typo, FakeMethod.SelectionRegistry, AnomalyBench.Datasets.DatasetReaders.Kinds),
            Throws.InstanceOf<ConfigException>().With.Message.Contains("last, best_test_epoch"));
        // Of the real methods, exactly CFA and SSM publish a test-set selection.
        Assert.That(MethodRegistry.Default.All.Where(m => m.PublishedSelection is not null).Select(m => (m.Key, m.PublishedSelection)),
            Is.EquivalentTo(new[] { ("cfa", (TestSetSelectionRule?)TestSetSelectionRule.BestValuePerMetric), ("ssm", TestSetSelectionRule.EpochOfBestImageAuroc) }));
    }

    [Test]
    public void AFitOutsideTheRunnerCannotSelectOnATestSetItDoesNotHave()
    {
        using var method = new FakeMethod(new FakeOptions { Selection = ModelSelection.BestTestEpoch });
        var context = new FitContext(AnomalyBench.Torch.Device.CPU, 0, new AnomalyBench.Methods.Backbones.WeightsStore(_dir), NullTrainingLog.Instance);
        Assert.That(() => method.Fit([], context), Throws.InvalidOperationException.With.Message.Contains("FitContext.Intermediate").And.Message.Contains("selection: last"));
    }

    [Test]
    public void SelectedRowsAreMarkedInEveryTableAndNeverRankedOrTested()
    {
        var (summary, runner, log) = Run("""
              - key: fake
                name: plain
              - key: fake
                name: inverted
                epoch_score_signs: [-1, -1]
              - key: fake_per_metric
                selection: best_test_epoch
                epoch_score_signs: [-1, 1]
            """);
        Assert.That(summary.Finished, Is.EqualTo(3), log.ToString());
        const string marked = "fake_per_metric_best_test_epoch ‡";
        var allRuns = File.ReadAllLines(Path.Combine(runner.Layout.Tables, "all_runs.csv"));
        var header = allRuns[0].Split(',');
        var (selection, usesTestSet, method) = (Array.IndexOf(header, "selection"), Array.IndexOf(header, "uses_test_set"), Array.IndexOf(header, "method"));
        Assert.That(selection, Is.GreaterThan(0));
        foreach (var row in allRuns.Skip(1).Select(l => l.Split(',')))
        {
            var isSelected = row[method] == "fake_per_metric_best_test_epoch";
            Assert.That((row[selection], row[usesTestSet]), Is.EqualTo(isSelected ? ("best_test_epoch", "true") : ("last", "false")), row[method]);
        }
        Assert.That(File.ReadAllLines(Path.Combine(runner.Layout.Tables, "synthetic_image_auroc.csv"))[0].Split(','),
            Is.EquivalentTo(new[] { "category", "plain", "inverted", marked }));
        Assert.That(File.ReadAllText(Path.Combine(runner.Layout.Tables, "synthetic_side_by_side.csv")), Does.Contain("uses_test_set"));

        var sideBySide = File.ReadAllText(Path.Combine(runner.Layout.Report, "side_by_side.md"));
        Assert.That(sideBySide, Does.Contain($"## synthetic — {marked} (fake_per_metric)").And.Contain("‡ The test set informed these numbers: selection: best_test_epoch"));
        Assert.That(sideBySide, Does.Contain("## synthetic — plain (fake)\n"), "an honest table is not marked");
        var html = File.ReadAllText(Path.Combine(runner.Layout.Report, "report.html"));
        Assert.That(html, Does.Contain($"synthetic — {marked}").And.Contain("‡ The test set informed these numbers"));

        // The selected run reached the best I-AUROC (its epoch-2 ranking is the plain one), yet the ranking is plain's;
        // it is compared with nothing and nothing with it.
        var statistics = File.ReadAllText(Path.Combine(runner.Layout.Report, "statistics.md"));
        Assert.That(statistics, Does.Contain($"| {marked} |").And.Contain("not ranked"));
        var confidence = File.ReadAllLines(Path.Combine(runner.Layout.Tables, "synthetic_confidence.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var selectedRow = confidence.Single(r => r[2] == "fake_per_metric_best_test_epoch");
        Assert.That(selectedRow[12..], Is.All.Empty, "no best method, z, p or verdict for a test-set selected run");
        Assert.That(confidence.Where(r => r[2] != "fake_per_metric_best_test_epoch").Select(r => r[12]), Is.All.EqualTo("plain"),
            "the best of the honest runs is plain, although the selected run ties it");

        var text = ResultsSummary.Of(ExperimentResults.Load(runner.Layout)).ToText();
        Assert.That(text, Does.Contain(marked).And.Contain("‡ The test set informed these numbers"));
    }

    /// <summary>The real CFA and SSM (quick profiles, two epochs, random backbone weights for speed) through the runner.</summary>
    [Test]
    public void CfaAndSsmReproduceTheirPublishedSelectionEndToEnd()
    {
        var (summary, runner, log) = Run("""
              - key: cfa
                profile: quick
                weights: random
                image_size: 72
                crop: 64
                epochs: 2
                selection: best_test_epoch
              - key: ssm
                profile: quick
                epochs: 2
                selection: best_test_epoch
            """, MethodRegistry.Default);
        Assert.That(summary.Finished, Is.EqualTo(2), log.ToString());
        var cfa = Read(runner, "cfa_best_test_epoch");
        Assert.That(cfa.IntermediateTestMetrics!.Points.Select(p => p.After), Is.EqualTo(new[] { "epoch 1", "epoch 2" }));
        foreach (var (metric, value) in cfa.Metrics.Where(m => m.Value is not null))
            Assert.That(value, Is.EqualTo(cfa.IntermediateTestMetrics.Points.Max(p => p.Metrics[metric]!.Value)).Within(1e-12), metric);
        // The final model is the last epoch's: its evaluation equals the last point's.
        Assert.That(cfa.Selection!.LastEpochMetrics, Is.EquivalentTo(cfa.IntermediateTestMetrics.Points[^1].Metrics));

        var ssm = Read(runner, "ssm_best_test_epoch");
        var points = ssm.IntermediateTestMetrics!.Points;
        var best = points.Select((p, i) => (p, i)).OrderByDescending(x => x.p.Metrics["image_auroc"]).ThenBy(x => x.i).First().p;
        Assert.That(ssm.Selection!.Chosen["image_auroc"], Is.EqualTo(best.After));
        // The restored epoch's model, evaluated again at the end, scores exactly what it scored then.
        Assert.That(ssm.Metrics["image_auroc"], Is.EqualTo(best.Metrics["image_auroc"]).Within(1e-12));
        Assert.That(ssm.Metrics["pixel_auroc"], Is.EqualTo(best.Metrics["pixel_auroc"]).Within(1e-12));
        Assert.That(ssm.Selection.LastEpochMetrics, Is.EquivalentTo(points[^1].Metrics));
    }
}
