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

    /// <summary>
    /// The quick profile end to end on the real hazelnut_toy photographs (28 good training images; 6 good and 17 dyed
    /// test images) with the packaged CNTK ImageNet ResNet-18, seed 0, checked by metrics computed here (Mann–Whitney).
    /// Measured 2026-12-06: I-AUROC 1.000 at seeds 0, 1 and 2 (the README's figure), the lowest dyed image scoring
    /// 1.76× the highest good one at seed 0; P-AUROC 0.972. Asserted: I-AUROC = 1 (every one of the 102 good/dyed pairs ordered; a
    /// single swapped pair gives 0.990), and P-AUROC ≥ 0.95, two points under the measured value as the quality test allows.
    /// </summary>
    [Test]
    public void RunsEndToEndOnTheRealHazelnutPhotographs()
    {
        var options = PatchCoreOptions.Defaults(Profile.Quick) with { Backbone = "resnet18" };
        var data = QualityCheck.Hazelnut();
        using var method = new PatchCoreMethod(options);
        method.Fit(data.Train, new FitContext(Device.CPU, 0, new WeightsStore(_weightsFolder), NullTrainingLog.Instance));
        Assert.That(method.WeightsProvenance, Does.Contain("CNTK ImageNet weights"), "real ImageNet features");
        var (scores, labels, pixels, defective) = PredictAll(method, data.Test);
        Assert.That((labels.Count(l => !l), labels.Count(l => l)), Is.EqualTo((6, 17)), "hazelnut_toy's test set");
        var imageAuroc = MannWhitneyAuroc(scores, labels);
        var pixelAuroc = MannWhitneyAuroc(pixels, defective);
        var lowestDyed = scores.Where((_, i) => labels[i]).Min();
        var highestGood = scores.Where((_, i) => !labels[i]).Max();
        TestContext.Out.WriteLine($"hazelnut_toy, seed 0: I-AUROC {imageAuroc:F3} (lowest dyed / highest good score {lowestDyed / highestGood:F3}), P-AUROC {pixelAuroc:F3}");
        Assert.That(imageAuroc, Is.EqualTo(1.0), "every dyed photograph scores above every good one");
        Assert.That(pixelAuroc, Is.GreaterThanOrEqualTo(0.95));
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

    /// <summary>Image scores, labels, and every map value with its mask value (maps at the input resolution), over a list of samples.</summary>
    private static (List<double> Scores, List<bool> Labels, List<double> Pixels, List<bool> Defective) PredictAll(PatchCoreMethod method, IReadOnlyList<Sample> samples)
    {
        var scores = new List<double>();
        var labels = new List<bool>();
        var pixels = new List<double>();
        var defective = new List<bool>();
        using var loader = new DataLoader(samples, method.Options.Preprocessing, Device.CPU, new LoaderOptions(BatchSize: method.Options.BatchSize));
        foreach (var batch in loader)
        {
            using var prediction = method.Predict(batch.Images);
            Assert.That(prediction.Maps.shape, Is.EqualTo(new long[] { batch.Images.size(0), batch.Images.size(2), batch.Images.size(3) }), "maps at the input resolution");
            scores.AddRange(TensorAssert.Values(prediction.Scores));
            labels.AddRange(batch.Samples.Select(s => s.IsAnomalous));
            pixels.AddRange(TensorAssert.Values(prediction.Maps));
            using var masks = batch.Masks.to(ScalarType.Float64);
            defective.AddRange(TensorAssert.Values(masks).Select(v => v > 0));
        }
        return (scores, labels, pixels, defective);
    }

    /// <summary>
    /// The AUROC as the Mann–Whitney statistic, written out here rather than taken from the metrics library: the
    /// probability that a positive outscores a negative, ties counting one half, from the average ranks of the sorted values.
    /// </summary>
    private static double MannWhitneyAuroc(IReadOnlyList<double> values, IReadOnlyList<bool> positive)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            for (var k = start; k <= end; k++) ranks[order[k]] = (start + end) / 2.0 + 1;
            start = end + 1;
        }
        double positives = positive.Count(p => p), negatives = positive.Count - positives;
        var rankSum = Enumerable.Range(0, values.Count).Where(i => positive[i]).Sum(i => ranks[i]);
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }
}
