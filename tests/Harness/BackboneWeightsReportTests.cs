using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods.Backbones;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>Reports say which backbone weights ran, and mark the side-by-side rows whose weights are not the paper's.</summary>
public class BackboneWeightsReportTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-weights-report-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private static readonly string s_cntk = WeightsProvenance.FromPackage("resnet18", "/x/ResNet18.onnx", CntkResNet18.ModelSha256, "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0").ToString();

    [Test]
    public void ProvenanceStringsAreClassifiedAsTheyAreWritten()
    {
        Assert.That(BackboneWeights.KindOf(s_cntk), Is.EqualTo(WeightsKind.Cntk));
        Assert.That(BackboneWeights.KindOf(WeightsProvenance.Random("resnet18", 3).ToString()), Is.EqualTo(WeightsKind.Random));
        var file = WeightsProvenance.FromFile("wide_resnet50_2", "/w/wide_resnet50_2-95faca4d.pth", "95faca4d").ToString();
        Assert.That(BackboneWeights.KindOf(file), Is.EqualTo(WeightsKind.File));
        Assert.That(BackboneWeights.KindOf("none (no pretrained weights)"), Is.EqualTo(WeightsKind.None));
        // ReConPatch's ensemble joins its members' provenance.
        var ensemble = BackboneWeights.Parts($"{file}; {WeightsProvenance.Random("densenet201", 0)}");
        Assert.That(ensemble.Select(BackboneWeights.KindOf), Is.EqualTo(new[] { WeightsKind.File, WeightsKind.Random }));
        Assert.That(ensemble.Select(BackboneWeights.DiffersFromPapers), Is.EqualTo(new[] { false, true }));
        Assert.That(BackboneWeights.DiffersFromPapers(s_cntk), Is.True);
    }

    /// <summary>One category-pair sweep of four entries: torchvision's file (auto with the file in the store), cntk, random and a method without backbone.</summary>
    private SweepRunner RunFourWeights()
    {
        var store = Path.Combine(_dir, "weights");
        Directory.CreateDirectory(store);
        File.WriteAllBytes(Path.Combine(store, "resnet18-f37072fd.pth"), []);
        var path = TinyExperiment.Write(_dir, """
              - key: fakenet
                name: torchvision
              - key: fakenet
                name: cntk
                weights: cntk
              - key: fakenet
                name: random
                weights: random
              - key: fake
                name: plain
            """, categories: "[fabric, tile]", extra: "weights_folder: weights\nreport: {bootstrap_replicates: 20, heatmap_images: 2}");
        var config = ConfigLoader.Load(path, FakeBackboneMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var runner = new SweepRunner(config, path, FakeBackboneMethod.Registry, new LineProgress(TextWriter.Null));
        Assert.That(runner.Run().Finished, Is.EqualTo(8));
        return runner;
    }

    [Test]
    public void RowsOnOtherWeightsThanThePapersAreMarkedAndExplainedInOneNote()
    {
        var runner = RunFourWeights();
        var results = ExperimentResults.Load(runner.Layout);
        var cntk = results.Runs.First(r => r.Result.Method == "cntk").Result.Weights;
        var tables = SideBySide.Build(results, new Dictionary<string, ReferenceFile>()).ToDictionary(t => t.Method);

        foreach (var (method, marked) in new[] { ("torchvision", false), ("cntk", true), ("random", true), ("plain", false) })
        {
            var table = tables[method];
            Assert.That(table.Rows.Select(r => r.Category), Is.EqualTo(new[] { "fabric", "tile", "mean" }), method);
            Assert.That(table.Rows.Select(r => r.WeightsDiffer), Has.All.EqualTo(marked), method);
            Assert.That(table.Rows.Select(r => r.Label.EndsWith(" †", StringComparison.Ordinal)), Has.All.EqualTo(marked), method);
            Assert.That(table.Notes.Count(n => n.Contains("†", StringComparison.Ordinal)), Is.EqualTo(marked ? 1 : 0), method);
            Assert.That(table.Notes.Count(n => n.Contains("Backbone weights", StringComparison.Ordinal)), Is.EqualTo(marked ? 1 : 0), $"{method}: no second weights note");
        }
        var cntkNote = tables["cntk"].Notes.Single(n => n.StartsWith("†", StringComparison.Ordinal));
        Assert.That(cntkNote, Is.EqualTo($"† Backbone weights are not the paper's torchvision IMAGENET1K_V1: {cntk}. Numbers differ from the paper's even where everything else is the same."));
        var randomNote = tables["random"].Notes.Single(n => n.StartsWith("†", StringComparison.Ordinal));
        Assert.That(randomNote, Is.EqualTo("† Backbone weights are not the paper's torchvision IMAGENET1K_V1: resnet18: random (seed 0). " +
                                           "Random weights carry no ImageNet training at all: these numbers are not comparable with the paper's."));

        // The files the sweep wrote: Markdown, CSV, HTML.
        var markdown = File.ReadAllText(Path.Combine(runner.Layout.Report, ReportBuilder.SideBySideFile));
        string Section(string method) => markdown.Split("\n## ").Single(s => s.StartsWith($"synthetic — {method} (fakenet)\n", StringComparison.Ordinal));
        Assert.That(Section("cntk"), Does.Contain("\n| fabric † |").And.Contain("\n| tile † |").And.Contain("\n| **mean** † |").And.Contain("- " + cntkNote));
        Assert.That(Section("random"), Does.Contain("\n| fabric † |").And.Contain("\n| **mean** † |"));
        Assert.That(Section("torchvision"), Does.Contain("\n| fabric |").And.Contain("\n| **mean** |").And.Not.Contain("†"));

        var csv = File.ReadAllLines(Path.Combine(runner.Layout.Tables, "synthetic_side_by_side.csv"));
        Assert.That(csv[0], Does.EndWith(",difference_pct,weights,weights_differ_from_paper,uses_test_set"));
        string Row(string method, string category) => csv.Single(l => l.StartsWith($"synthetic,{method},fakenet,per_category,{category},image_auroc,", StringComparison.Ordinal));
        Assert.That(Row("cntk", "mean"), Does.EndWith($",\"{cntk}\",true,false"));
        Assert.That(Row("random", "fabric"), Does.EndWith(",resnet18: random (seed 0),true,false"));
        Assert.That(Row("torchvision", "tile"), Does.Contain("resnet18: resnet18-f37072fd.pth (sha256 0000)").And.EndWith(",false,false"));

        var html = File.ReadAllText(Path.Combine(runner.Layout.Report, ReportBuilder.HtmlFile));
        Assert.That(html, Does.Contain("<td>fabric †</td>").And.Contain("<td>fabric</td>").And.Contain("<li>† Backbone weights are not the paper&#39;s torchvision IMAGENET1K_V1"));
    }

    [Test]
    public void EveryReportFooterListsTheWeightsThatRan()
    {
        var runner = RunFourWeights();
        var results = ExperimentResults.Load(runner.Layout);
        var cntk = results.Runs.First(r => r.Result.Method == "cntk").Result.Weights;
        var line = ProtocolFooter.Lines(results.Runs)[^1];
        Assert.That(line, Does.StartWith("Backbone weights: ").And.EndWith("; plain: none (no pretrained backbone)."));
        foreach (var part in new[] { "resnet18: resnet18-f37072fd.pth (sha256 0000)", cntk, "resnet18: random (seed 0)", "plain: none (no pretrained backbone)" })
            Assert.That(line, Does.Contain(part));
        Assert.That(line.Split("; "), Has.Length.EqualTo(4), "each distinct provenance once");

        foreach (var file in new[] { ReportBuilder.SideBySideFile, ReportBuilder.StatisticsFile })
        {
            var text = File.ReadAllText(Path.Combine(runner.Layout.Report, file));
            var footer = text[text.LastIndexOf("\n---\n", StringComparison.Ordinal)..];
            Assert.That(footer, Does.Contain("- " + line + "\n"), file);
        }
        var html = File.ReadAllText(Path.Combine(runner.Layout.Report, ReportBuilder.HtmlFile));
        Assert.That(html[html.IndexOf("<footer", StringComparison.Ordinal)..], Does.Contain("<li>" + System.Net.WebUtility.HtmlEncode(line) + "</li>"));
        Assert.That(BackboneWeights.FooterLine(results.Runs.Where(r => r.Result.Method == "plain").Select(r => r.Result)),
            Is.EqualTo("Backbone weights: plain: none (no pretrained backbone)."));
    }
}
