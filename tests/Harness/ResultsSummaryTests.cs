using System.Globalization;
using System.Text.RegularExpressions;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>The table <c>harness run</c> prints at its end: methods × categories, I-AUROC / P-AUROC averaged over seeds, from every finished run.</summary>
public class ResultsSummaryTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-summary-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private static string Run(string path, Shard? shard = null)
    {
        var config = ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var log = new StringWriter();
        new SweepRunner(config, path, FakeMethod.Registry, new LineProgress(log)).Run(shard: shard);
        return log.ToString();
    }

    /// <summary>The printed table of <paramref name="dataset"/>: header and rows, cells split on the column gaps.</summary>
    private static List<string[]> Table(string log, string dataset)
    {
        var lines = log.Split('\n');
        var start = Array.IndexOf(lines, $"{dataset}: I-AUROC / P-AUROC, mean over seeds");
        Assert.That(start, Is.GreaterThanOrEqualTo(0), log);
        return lines.Skip(start + 1).TakeWhile(l => l.Length > 0).Select(l => Regex.Split(l.Trim(), " {2,}")).ToList();
    }

    private static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);

    [Test]
    public void TheTableHoldsTheMeanOverSeedsOfEveryFinishedRunAndADashForWhatIsMissing()
    {
        // "inverted" scores by the negated map: other numbers than fake's, so a swapped row shows.
        var path = TinyExperiment.Write(_dir, "  - key: fake\n    profile: quick\n  - key: fake\n    name: inverted\n    profile: quick\n    gain: -1",
            categories: "[fabric, tile]", seeds: "[0, 1]", extra: "report: {bootstrap_replicates: 10, heatmap_images: 2}");
        var first = Run(path);
        var layout = ResultsLayout.For(ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds), path);
        RunResult Read(string category, string method, int seed) => RunResult.Read(layout.File(new RunKey("synthetic", category, method, seed), ResultsLayout.MetricsFile));
        Assert.That(Table(first, "synthetic")[0], Is.EqualTo(new[] { "method", "fabric", "tile" }));

        // Seeds that disagree (fake's scores do not depend on the seed) and a metric that is missing: edit what the runs recorded.
        void Edit(string category, string method, int seed, Func<Dictionary<string, double?>, Dictionary<string, double?>> change)
        {
            var file = layout.File(new RunKey("synthetic", category, method, seed), ResultsLayout.MetricsFile);
            var result = RunResult.Read(file);
            File.WriteAllText(file, (result with { Metrics = change(new Dictionary<string, double?>(result.Metrics)) }).ToJson());
        }
        Edit("fabric", "fake", 1, m => { m["image_auroc"] = 0.25; return m; });
        foreach (var seed in new[] { 0, 1 }) Edit("tile", "inverted", seed, m => { m.Remove("pixel_auroc"); return m; });

        // A second invocation runs nothing: the table comes from the runs finished before, and a shard prints it too.
        foreach (var log in new[] { Run(path), Run(path, Shard.Parse("1/2")) })
        {
            Assert.That(log, Does.Contain("0 job(s) to run, 8 already finished").Or.Contain("0 job(s) to run, 4 already finished"));
            var table = Table(log, "synthetic");
            Assert.That(table, Has.Count.EqualTo(3));
            var fakeFabricImage = (Read("fabric", "fake", 0).Metrics["image_auroc"]!.Value + 0.25) / 2;
            var fakeFabricPixel = Read("fabric", "fake", 0).Metrics["pixel_auroc"]!.Value;
            Assert.That(table[1], Is.EqualTo(new[]
            {
                "fake",
                $"{F(fakeFabricImage)} / {F(fakeFabricPixel)}",
                $"{F(Read("tile", "fake", 0).Metrics["image_auroc"]!.Value)} / {F(Read("tile", "fake", 1).Metrics["pixel_auroc"]!.Value)}",
            }));
            Assert.That(table[2], Is.EqualTo(new[]
            {
                "inverted",
                $"{F(Read("fabric", "inverted", 0).Metrics["image_auroc"]!.Value)} / {F(Read("fabric", "inverted", 1).Metrics["pixel_auroc"]!.Value)}",
                $"{F(Read("tile", "inverted", 0).Metrics["image_auroc"]!.Value)} / —",
            }));
            Assert.That(table[2][1], Is.Not.EqualTo(table[1][1]));
            Assert.That(log, Does.Contain("\nBackbone weights: fake, inverted: none (no pretrained backbone).\n"));
        }
    }
}
