using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>The runner end to end with a method whose scores are known (the mean pixel value), on a tiny generated set.</summary>
public class SweepRunnerTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-sweep-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string Write(string methods, string categories = "[fabric]") => TinyExperiment.Write(_dir, methods, categories);

    private static (SweepSummary Summary, SweepRunner Runner, StringWriter Log) Run(string path, bool force = false, CancellationToken cancellation = default)
    {
        var config = ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var log = new StringWriter();
        var runner = new SweepRunner(config, path, FakeMethod.Registry, new LineProgress(log));
        return (runner.Run(force, cancellation), runner, log);
    }

    [Test]
    public void AtOriginalResolutionMapsAreResizedToEachImageAndMasksAreTheFilesOwn()
    {
        // The quick profile feeds 64 px; the generated images are 48 px.
        var path = Write("  - key: fake\n    profile: quick");
        File.AppendAllText(path, "\nevaluation:\n  resolution: original\n");
        var (summary, runner, log) = Run(path);
        Assert.That(summary.Finished, Is.EqualTo(1), log.ToString());
        var run = new RunKey("synthetic", "fabric", "fake", 0);
        using var maps = AnomalyBench.Torch.Serialization.Safetensors.Load(runner.Layout.File(run, "maps.safetensors"));
        Assert.That(maps["maps"].shape, Is.EqualTo(new long[] { 6, 48, 48 }));
        Assert.That(maps["masks"].shape, Is.EqualTo(new long[] { 6, 48, 48 }));
        var result = RunResult.Read(runner.Layout.File(run, "metrics.json"));
        Assert.That(result.Protocol.Resolution, Does.StartWith("original"));
        Assert.That(result.Metrics["pixel_auroc"], Is.Not.Null);
    }

    [Test]
    public void ACancelledSweepStopsWithoutWritingAnyRunAndSaysSo()
    {
        var path = Write("  - key: fake\n    profile: quick");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var (summary, runner, _) = Run(path, cancellation: cancelled.Token);
        Assert.That(summary.Cancelled, Is.True);
        Assert.That(summary.ExitCode, Is.EqualTo(130));
        Assert.That(runner.Layout.FinishedMetricsFiles(), Is.Empty);
        Assert.That(Run(path).Summary.Finished, Is.EqualTo(1), "the next invocation runs it");
    }

    [Test]
    public void ARunWritesItsFilesAndTheTables()
    {
        var path = Write("  - key: fake\n    profile: quick");
        var (summary, runner, log) = Run(path);
        Assert.That((summary.Finished, summary.Failures.Count, summary.ExitCode), Is.EqualTo((1, 0, 0)), log.ToString());
        var run = new RunKey("synthetic", "fabric", "fake", 0);
        foreach (var file in new[] { "metrics.json", "scores.csv", "curves.json", "train_log.csv", "maps.safetensors", "checkpoint.safetensors" })
            Assert.That(File.Exists(runner.Layout.File(run, file)), Is.True, file);
        var result = RunResult.Read(runner.Layout.File(run, "metrics.json"));
        Assert.That(result.Metrics.Keys, Does.Contain("image_auroc").And.Contain("aupro_0.3"));
        Assert.That(result.Counts, Is.EqualTo(new RunCounts(2, 6, result.Counts.TestAnomalous)));
        Assert.That(result.Options["gain"]!.GetValue<double>(), Is.EqualTo(2), "the quick profile's value is recorded");
        // Cost next to accuracy: model throughput at the configured batch and at batch 1, and peak memory of both phases.
        Assert.That(result.Timings.PredictImagesPerSecond, Is.GreaterThan(0));
        Assert.That(result.Timings.PredictImagesPerSecondBatch1, Is.GreaterThan(0));
        Assert.That(result.Timings.PredictBatchSize, Is.EqualTo(8));
        Assert.That(result.Memory!.Fit.PeakResidentBytes, Is.GreaterThan(10L << 20), "at least the runtime's resident set");
        Assert.That(result.Memory.Predict.PeakResidentBytes, Is.GreaterThan(10L << 20));
        Assert.That(result.Memory.Predict.PeakCudaBytes, Is.Null, "a CPU run has no CUDA peak");
        Assert.That(File.ReadAllLines(runner.Layout.File(run, "scores.csv")), Has.Length.EqualTo(7));
        Assert.That(File.Exists(Path.Combine(runner.Layout.Tables, "synthetic_image_auroc.csv")), Is.True);
        Assert.That(File.Exists(Path.Combine(runner.Layout.Tables, "all_runs.csv")), Is.True);
        Assert.That(File.Exists(runner.Layout.Manifest), Is.True);
        // The maps file is a valid input of `harness evaluate`, with the same image AUROC.
        var (code, output, error) = (0, new StringWriter(), new StringWriter());
        code = AnomalyBench.Harness.Cli.Invoke(["evaluate", runner.Layout.File(run, "maps.safetensors")], output, error);
        Assert.That(code, Is.Zero, error.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(output.ToString());
        Assert.That(json.RootElement.GetProperty("image_auroc").GetDouble(), Is.EqualTo(result.Metrics["image_auroc"]!.Value).Within(1e-12));
    }

    [Test]
    public void EvalEveryRecordsLabelledIntermediateTestMetricsThatTablesIgnore()
    {
        var path = Write("  - key: fake\n    profile: quick\n    eval_every: 1", categories: "[fabric, washer]");
        var (summary, runner, log) = Run(path);
        Assert.That(summary.Finished, Is.EqualTo(2), log.ToString());
        var run = new RunKey("synthetic", "washer", "fake", 0);
        var json = File.ReadAllText(runner.Layout.File(run, "metrics.json"));
        Assert.That(json, Does.Contain("\"intermediate_test_metrics\"").And.Contain("no epoch was selected"));
        var result = RunResult.Read(runner.Layout.File(run, "metrics.json"));
        var intermediate = result.IntermediateTestMetrics!;
        Assert.That(intermediate.Points.Select(p => p.After), Is.EqualTo(new[] { "epoch 1", "epoch 2" }));
        // The fake model does not change while it "trains": each point measures exactly what the final evaluation does.
        foreach (var point in intermediate.Points)
            Assert.That(point.Metrics, Is.EquivalentTo(result.Metrics), point.After);
        Assert.That(log.ToString(), Does.Contain("test set after epoch 2: washer"));
        var table = File.ReadAllText(Path.Combine(runner.Layout.Tables, "all_runs.csv"));
        Assert.That(table, Does.Not.Contain("epoch"), "tables carry the final metrics only");

        var plain = Write("  - key: fake\n    profile: quick\n    name: plain");
        Run(plain);
        Assert.That(File.ReadAllText(runner.Layout.File(new RunKey("synthetic", "fabric", "plain", 0), "metrics.json")),
            Does.Not.Contain("intermediate"), "absent unless asked for");
    }

    [Test]
    public void AMethodThatRescoresWithTestSetStatisticsGetsEveryImageAndTheResultsSaySo()
    {
        var path = Write("  - key: fake\n    profile: quick\n    test_set_ranks: true");
        var (summary, runner, log) = Run(path);
        Assert.That(summary.Finished, Is.EqualTo(1), log.ToString());
        var run = new RunKey("synthetic", "fabric", "fake", 0);
        var result = RunResult.Read(runner.Layout.File(run, "metrics.json"));
        Assert.That(result.Protocol.ImageScore, Does.StartWith("transductive"));
        // Ranks among the 6 test images: the scores are 0..5 (no ties in mean-value maxima of generated images).
        var scores = File.ReadAllLines(runner.Layout.File(run, "scores.csv")).Skip(1)
            .Select(line => double.Parse(line.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
        Assert.That(scores, Is.EqualTo(new double[] { 0, 1, 2, 3, 4, 5 }));
        var plain = RunResult.Read(Run(Write("  - key: fake\n    profile: quick"), force: true).Runner.Layout.File(run, "metrics.json"));
        Assert.That(plain.Protocol.ImageScore, Is.EqualTo("the method's image score"));
    }

    [Test]
    public void ASecondInvocationSkipsFinishedRunsAndForceRedoesThem()
    {
        var path = Write("  - key: fake\n    profile: quick", "[fabric, tile]");
        Assert.That(Run(path).Summary.Finished, Is.EqualTo(2));
        var again = Run(path).Summary;
        Assert.That((again.Finished, again.Skipped), Is.EqualTo((0, 2)));
        var forced = Run(path, force: true).Summary;
        Assert.That((forced.Finished, forced.Skipped), Is.EqualTo((2, 0)));
    }

    [Test]
    public void AnInterruptedRunIsRedoneAndOnlyIt()
    {
        var path = Write("  - key: fake\n    profile: quick", "[fabric, tile]");
        var (_, runner, _) = Run(path);
        // What an interruption leaves: one run without metrics.json (its other files may be there).
        File.Delete(runner.Layout.File(new RunKey("synthetic", "tile", "fake", 0), "metrics.json"));
        var resumed = Run(path).Summary;
        Assert.That((resumed.Finished, resumed.Skipped), Is.EqualTo((1, 1)));
    }

    [Test]
    public void ADamagedMetricsFileIsSetAsideAndItsRunRedone()
    {
        // Issue 21 item 3: a truncated metrics.json made the run count as finished, then crashed the report with a stack trace.
        var path = Write("  - key: fake\n    profile: quick", "[fabric, tile]");
        var (_, runner, _) = Run(path);
        var metrics = runner.Layout.File(new RunKey("synthetic", "tile", "fake", 0), "metrics.json");
        var text = File.ReadAllText(metrics);
        File.WriteAllText(metrics, text[..(text.Length / 2)]);
        var (resumed, _, log) = Run(path);
        Assert.That((resumed.Finished, resumed.Skipped), Is.EqualTo((1, 1)), log.ToString());
        Assert.That(RunResult.Read(metrics).Category, Is.EqualTo("tile"), "redone and readable");
        var aside = Directory.GetFiles(Path.GetDirectoryName(metrics)!, "metrics.json.damaged-*");
        Assert.That(aside, Has.Length.EqualTo(1), "the damaged file is kept for inspection");
        Assert.That(File.ReadAllText(aside[0]), Is.EqualTo(text[..(text.Length / 2)]));
        Assert.That(log.ToString(), Does.Contain(metrics).And.Contain("redo"));
    }

    [Test]
    public void ACorruptTestImageFailsTheJobBeforeTheFit()
    {
        // Issue 21 item 8: the corrupt file was found only when predicting, after the whole fit.
        var path = Write("  - key: fake\n    profile: quick");
        var (_, runner, _) = Run(path);
        var run = new RunKey("synthetic", "fabric", "fake", 0);
        var testImage = File.ReadLines(runner.Layout.File(run, "scores.csv")).Skip(1).First().Split(',')[0];
        File.WriteAllText(testImage, "not a PNG");
        var checkpoint = runner.Layout.File(run, "checkpoint.safetensors");
        File.Delete(checkpoint);
        File.Delete(runner.Layout.File(run, "metrics.json"));
        var (summary, _, log) = Run(path);
        Assert.That(summary.Failures, Has.Count.EqualTo(1), log.ToString());
        Assert.That(summary.Failures[0], Does.Contain(testImage));
        Assert.That(File.Exists(checkpoint), Is.False, "the job stopped before fitting a model");
    }

    [Test]
    public void ARedoneRunCleansTheTemporaryFilesAndOldStaleLocksOfKilledRuns()
    {
        var path = Write("  - key: fake\n    profile: quick");
        var (_, runner, _) = Run(path);
        var run = new RunKey("synthetic", "fabric", "fake", 0);
        var folder = runner.Layout.RunFolder(run);
        File.Delete(runner.Layout.File(run, "metrics.json"));
        // What kills leave: half-written files of AtomicFile and stale locks moved aside.
        File.WriteAllText(Path.Combine(folder, $".scores.csv.{Guid.NewGuid():N}.tmp"), "half");
        File.WriteAllText(Path.Combine(folder, $".metrics.json.{Guid.NewGuid():N}.tmp"), "half");
        for (var i = 0; i < 3; i++)
        {
            var stale = Path.Combine(folder, $"run.lock.stale-{Guid.NewGuid():N}");
            File.WriteAllText(stale, "{}");
            File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(i - 10));
        }
        var newest = Directory.GetFiles(folder, "run.lock.stale-*").OrderBy(File.GetLastWriteTimeUtc).Last();
        Assert.That(Run(path).Summary.Finished, Is.EqualTo(1));
        Assert.That(Directory.GetFiles(folder, ".*.tmp"), Is.Empty);
        Assert.That(Directory.GetFiles(folder, "run.lock.stale-*"), Is.EqualTo(new[] { newest }), "the newest stale lock stays for inspection");
    }

    [Test]
    public void AJobAnotherProcessFinishedMeanwhileIsCountedAsSkipped()
    {
        // Issue 21 item 8: between making its list and taking the job's lock, another process finished the job; the
        // summary counted it nowhere (0 run, 0 skipped for a plan of 1).
        var path = Write("  - key: fake\n    profile: quick");
        var config = ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var log = new StringWriter();
        var other = new SweepRunner(config, path, FakeMethod.Registry, new LineProgress(TextWriter.Null));
        var runner = new SweepRunner(config, path, FakeMethod.Registry, new OtherProcessFinishesFirst(new LineProgress(log), () => other.Run()));
        var summary = runner.Run();
        Assert.That((summary.Planned, summary.Finished, summary.Skipped, summary.Locked), Is.EqualTo((1, 0, 1, 0)), log.ToString());
    }

    /// <summary>Runs <paramref name="other"/> right after the sweep made its list, as a second process would.</summary>
    private sealed class OtherProcessFinishesFirst(ISweepProgress inner, Action other) : ISweepProgress
    {
        public void SweepStarted(int jobs, int skipped)
        {
            inner.SweepStarted(jobs, skipped);
            other();
        }

        public void JobStarted(int index, TrainingJob job) => inner.JobStarted(index, job);

        public void Phase(string phase, long done, long total) => inner.Phase(phase, done, total);

        public void JobFinished(int index, TrainingJob job, string outcome) => inner.JobFinished(index, job, outcome);

        public void Warning(string message) => inner.Warning(message);

        public void Note(string message) => inner.Note(message);

        public void Summary(AnomalyBench.Harness.Reports.ResultsSummary summary) => inner.Summary(summary);
    }

    [Test]
    public void AFailingRunIsRecordedAndTheSweepGoesOn()
    {
        var path = Write("  - key: fake\n    name: broken\n    fail_on_fit: true\n  - key: fake\n    name: fine");
        var (summary, runner, log) = Run(path);
        Assert.That(summary.Failures, Has.Count.EqualTo(1), log.ToString());
        Assert.That(summary.Failures[0], Does.Contain("broken").And.Contain("fake failure while fitting"));
        Assert.That(summary.Finished, Is.EqualTo(1));
        Assert.That(summary.ExitCode, Is.EqualTo(1));
        Assert.That(File.ReadAllText(runner.Layout.File(new RunKey("synthetic", "fabric", "broken", 0), "error.txt")), Does.Contain("fake failure"));
        Assert.That(runner.Layout.IsFinished(new RunKey("synthetic", "fabric", "fine", 0)), Is.True);
    }

    [Test]
    public void TheSameSeedGivesIdenticalScores()
    {
        var path = Write("  - key: fake\n    profile: quick");
        var (_, runner, _) = Run(path);
        var scores = runner.Layout.File(new RunKey("synthetic", "fabric", "fake", 0), "scores.csv");
        var first = File.ReadAllBytes(scores);
        Run(path, force: true);
        Assert.That(File.ReadAllBytes(scores), Is.EqualTo(first));
    }

    [Test]
    public void ValidateShowsThePlanWithoutRunning()
    {
        var path = Write("  - key: fake\n    profile: quick", "[fabric, tile]");
        var output = new StringWriter();
        var code = AnomalyBench.Harness.Cli.Invoke(["validate", path], FakeMethod.Registry, output, new StringWriter());
        Assert.That(code, Is.Zero, output.ToString());
        Assert.That(output.ToString(), Does.Contain("2 job(s), 2 run(s)").And.Contain("synthetic/tile/fake/seed0"));
        Assert.That(Directory.Exists(Path.Combine(_dir, "results")), Is.False, "nothing ran");
    }

    [Test]
    public void ThePlannerListsRunsForBothSettings()
    {
        var dataset = new DatasetConfig { Kind = "mvtec", Categories = ["a", "b"] };
        var methods = new[] { new MethodEntry("m1", "fake", Profile.Quick, new FakeOptions()), new MethodEntry("m2", "fake", Profile.Quick, new FakeOptions()) };
        var config = new ExperimentConfig { Datasets = [dataset], Methods = methods, Seeds = [0, 1] };
        var perCategory = Planner.Plan(config, d => d.Categories);
        Assert.That(perCategory.Select(j => j.ToString()), Is.EqualTo(new[]
        {
            "mvtec/a/m1/seed0", "mvtec/a/m1/seed1", "mvtec/a/m2/seed0", "mvtec/a/m2/seed1",
            "mvtec/b/m1/seed0", "mvtec/b/m1/seed1", "mvtec/b/m2/seed0", "mvtec/b/m2/seed1",
        }));
        var unified = Planner.Plan(config with { Setting = Setting.Unified }, d => d.Categories);
        Assert.That(unified, Has.Count.EqualTo(4));
        Assert.That(unified[0].Runs.Select(r => r.Category), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(unified[0].ModelScope, Is.EqualTo("_unified"));
    }
}
