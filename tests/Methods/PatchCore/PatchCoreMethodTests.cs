using System.Diagnostics;
using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.PatchCore;
using AnomalyBench.Tests.Datasets;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods.PatchCore;

/// <summary>
/// PatchCore end to end with the quick profile: its quality on real ImageNet features (the packaged CNTK ResNet-18) on a
/// generated object and on the real hazelnut_toy photographs, and its mechanics (checkpoints, registry) with seeded random
/// Wide-ResNet-50-2 weights.
/// </summary>
[NonParallelizable]
public class PatchCoreMethodTests
{
    /// <summary>The generated category of the mechanics tests.</summary>
    private const string Category = "wood";

    private string _weightsFolder = "";
    private DatasetCategory _data = null!;

    [OneTimeSetUp]
    public void Generate()
    {
        _weightsFolder = Path.Combine(Path.GetTempPath(), $"anomalybench-patchcore-{Guid.NewGuid():N}");
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 128, TrainCount: 30, TestCount: 20, Categories: [Category]));
        _data = MVTecLayoutReader.Synthetic(root).Read(Category);
    }

    [OneTimeTearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_weightsFolder)) Directory.Delete(_weightsFolder, recursive: true);
    }

    private static PatchCoreOptions Quick => PatchCoreOptions.Defaults(Profile.Quick) with { Weights = "random" };

    private FitContext Context(ulong seed = 0) => new(Device.CPU, seed, new WeightsStore(_weightsFolder), NullTrainingLog.Instance);

    /// <summary>
    /// Issue 19's quality check on real ImageNet features: the quick profile on ResNet-18 with the packaged CNTK weights
    /// (<c>weights: auto</c> on an empty store), means of seeds 0–2. Measured on 2026-12-06 (2-core CPU): generated pill
    /// I-AUROC 0.896 (0.906 / 0.885 / 0.896), P-AUROC 0.990; hazelnut_toy I-AUROC 1.000, P-AUROC 0.972 (all seeds
    /// alike: only the coreset's random projection depends on the seed). With seeded random Wide-ResNet-50-2 weights the
    /// same profile scored I-AUROC 0.3–0.7 on every generated category.
    /// </summary>
    [Test]
    public void FindsTheDefectsOfAGeneratedObjectAndOfRealPhotographsOnRealFeatures()
    {
        var options = PatchCoreOptions.Defaults(Profile.Quick) with { Backbone = "resnet18" };
        var (pill, hazelnut) = QualityCheck.OnPillAndHazelnut("patchcore", () => new PatchCoreMethod(options), new WeightsStore(_weightsFolder));
        QualityCheck.AtLeast(pill, imageAuroc: 0.85, pixelAuroc: 0.97);
        QualityCheck.AtLeast(hazelnut, imageAuroc: 0.95, pixelAuroc: 0.95);
    }

    [Test]
    public void SaveThenLoadGivesIdenticalPredictions()
    {
        var options = Quick with { Preprocessing = new Preprocessing(64), CoresetRatio = 0.05, Reweight = true };
        var train = _data.Train.Take(6).ToList();
        var test = _data.Test.Take(4).ToList();
        var path = Path.Combine(_weightsFolder, "patchcore.safetensors");
        Directory.CreateDirectory(_weightsFolder);
        var live = LiveTensors();
        using (var fitted = new PatchCoreMethod(options))
        using (var loaded = new PatchCoreMethod(options, new WeightsStore(_weightsFolder)))
        using (var loader = new DataLoader(test, options.Preprocessing, Device.CPU, new LoaderOptions(BatchSize: 4)))
        {
            fitted.Fit(train, Context(seed: 3));
            fitted.Save(path);
            loaded.Load(path);
            Assert.That(loaded.Provenance, Is.EqualTo(fitted.Provenance));
            Assert.That(loaded.MemoryBank!.equal(fitted.MemoryBank!), Is.True);
            foreach (var batch in loader)
            {
                using var a = fitted.Predict(batch.Images);
                using var b = loaded.Predict(batch.Images);
                Assert.That(b.Scores.equal(a.Scores), Is.True, "image scores");
                Assert.That(b.Maps.equal(a.Maps), Is.True, "anomaly maps");
            }
            // Scoring-only settings may differ from the checkpoint's; the bank's may not.
            using var rescored = new PatchCoreMethod(options with { Sigma = 2, Reweight = false, NumNeighbours = 3 });
            Assert.That(() => rescored.Load(path), Throws.Nothing);
            using var other = new PatchCoreMethod(options with { CoresetRatio = 0.5 });
            Assert.That(() => other.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("coreset_ratio"));
        }
        Assert.That(LiveTensors(), Is.EqualTo(live), "no tensor outlives the methods");
    }

    [Test]
    public void IsRegisteredWithBothProfiles()
    {
        var info = MethodRegistry.Default.Get("patchcore");
        Assert.That(info.OptionsType, Is.EqualTo(typeof(PatchCoreOptions)));
        Assert.That(info.SupportsUnified, Is.True);
        var paper = (PatchCoreOptions)info.Defaults(Profile.Paper);
        Assert.That(paper.Preprocessing, Is.EqualTo(new Preprocessing(256, 224, ResizeMode.ShorterSide)));
        Assert.That((paper.Backbone, paper.BatchSize, paper.CoresetRatio, paper.NumNeighbours, paper.Sigma), Is.EqualTo(("wide_resnet50_2", 2, 0.1, 1, 4.0)));
        Assert.That(paper.Layers, Is.EqualTo(new[] { "layer2", "layer3" }));
        Assert.That(info.Defaults(Profile.Quick), Is.InstanceOf<PatchCoreOptions>());
        using var method = info.Create(paper);
        Assert.That(method, Is.InstanceOf<PatchCoreMethod>());
        Assert.That(() => new PatchCoreMethod(paper with { PatchSize = 4 }), Throws.ArgumentException.With.Message.Contains("patch_size"));
        Assert.That(() => new PatchCoreMethod(paper with { Weights = "imagenet21k" }), Throws.ArgumentException.With.Message.Contains("weights"));
    }

    /// <summary>Image scores, labels and the pixel count of one map, over a list of samples.</summary>
    private static (List<double> Scores, List<bool> Labels, long MapPixels) PredictAll(PatchCoreMethod method, IReadOnlyList<Sample> samples, Preprocessing preprocessing)
    {
        var scores = new List<double>();
        var labels = new List<bool>();
        long pixels = 0;
        using var loader = new DataLoader(samples, preprocessing, Device.CPU, new LoaderOptions(BatchSize: method.Options.BatchSize));
        foreach (var batch in loader)
        {
            using var prediction = method.Predict(batch.Images);
            scores.AddRange(TensorAssert.Values(prediction.Scores));
            labels.AddRange(batch.Samples.Select(s => s.IsAnomalous));
            pixels = prediction.Maps.size(1) * prediction.Maps.size(2);
        }
        return (scores, labels, pixels);
    }
}
