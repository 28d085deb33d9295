using System.Diagnostics;
using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.Fyd;
using AnomalyBench.Tests.Datasets;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.MethodTestKit;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods.Fyd;

/// <summary>
/// FYD end to end with seeded random backbone weights (no weight file exists in the test environment): training lowers
/// the loss, the ablation switches decide what is trained, the generated defects are separated, a checkpoint scores identically.
/// </summary>
[NonParallelizable]
public class FydMethodTests
{
    /// <summary>A generated object that varies in position (±6 %) and rotation (±25°) from image to image.</summary>
    private const string Category = "pill";

    private string _folder = "";
    private DatasetCategory _data = null!;

    [OneTimeSetUp]
    public void Generate()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"anomalybench-fyd-{Guid.NewGuid():N}");
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 128, TrainCount: 30, TestCount: 20, Categories: [Category]));
        _data = MVTecLayoutReader.Synthetic(root).Read(Category);
    }

    [OneTimeTearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static FydOptions Quick => FydOptions.Defaults(Profile.Quick) with { Weights = "random" };

    /// <summary>A small setting for the mechanics tests: 64 px, layers 1+2, batch 4.</summary>
    private static FydOptions Small => Quick with { Preprocessing = new Preprocessing(64), Layers = ["layer1", "layer2"], FineLayer = "layer2", BatchSize = 4 };

    private FitContext Context(ulong seed = 0, ITrainingLog? log = null) =>
        new(Device.CPU, seed, new WeightsStore(_folder), log ?? NullTrainingLog.Instance);

    /// <summary>
    /// The quality check of issue 11 on a generated object that shifts (±6 %) and rotates (±25°): FYD's alignment
    /// stages, trained together, lift PaDiM on the same random ResNet-18 features (the quick profile with layers 1+2,
    /// 4 epochs, every stage on). With random weights the trained result is chaotic in floating-point rounding: on
    /// 2026-11-23 (AVX2 OpenBLAS kernels) seeds 0, 1, 2 gave 0.948, 0.646, 0.854, on 2026-12-05 (AVX-512 kernels) 0.823,
    /// 0.719, 0.771, while the untrained Gaussian gives 0.594, 0.625, 0.573 on both. A single seed reaching 0.9 was
    /// therefore luck; the check is the mean over three seeds: FYD at least 0.1 above PaDiM and at least 0.7.
    /// </summary>
    [Test]
    public void SeparatesTheDefectsOfAShiftedAndRotatedObjectBetterThanPaDiMWithRandomWeights()
    {
        var options = Quick with { Layers = ["layer1", "layer2"], FineLayer = "layer2", Epochs = 4 };
        var log = new RecordingLog();
        var live = LiveTensors();
        var fyd = new List<double>();
        var padim = new List<double>();
        foreach (var seed in new ulong[] { 0, 1, 2 })
        {
            var watch = Stopwatch.StartNew();
            using (var method = new FydMethod(options))
            {
                method.Fit(_data.Train, Context(seed, seed == 0 ? log : null));
                var fit = watch.Elapsed;
                var (scores, labels) = PredictAll(method, _data.Test, options.Preprocessing);
                fyd.Add(Auroc.Of(scores, labels));
                TestContext.Out.WriteLine($"synthetic {Category} (random weights seed {seed}, resnet18 layers 1+2, {options.Epochs} epochs): I-AUROC {fyd[^1]:F3}, " +
                                          $"epoch losses [{string.Join(", ", method.EpochLosses.Select(l => l.ToString("F3")))}], " +
                                          $"fit {fit.TotalSeconds:F1} s, predict {(watch.Elapsed - fit).TotalSeconds:F1} s");
                Assert.That(method.WeightsProvenance, Is.EqualTo($"resnet18: random (seed {seed})"));
                Assert.That(method.Gaussian!.Mean.shape, Is.EqualTo(new long[] { 32 * 32, 100 }), "one Gaussian per location of the layer-1 grid, 100 channels");
            }
            using (var untrained = new FydMethod(options with { Epochs = 0 }))
            {
                untrained.Fit(_data.Train, Context(seed));
                var (scores, labels) = PredictAll(untrained, _data.Test, options.Preprocessing);
                padim.Add(Auroc.Of(scores, labels));
                TestContext.Out.WriteLine($"  PaDiM on the same untrained features: I-AUROC {padim[^1]:F3}");
            }
        }
        Assert.That(fyd.Average(), Is.GreaterThanOrEqualTo(padim.Average() + 0.1), $"FYD [{string.Join(", ", fyd.Select(a => a.ToString("F3")))}] against PaDiM [{string.Join(", ", padim.Select(a => a.ToString("F3")))}]");
        Assert.That(fyd.Average(), Is.GreaterThanOrEqualTo(0.7));
        Assert.That(LiveTensors(), Is.EqualTo(live), "no tensor outlives the method");
        Assert.That(log.Steps.All(s => s.Losses.Keys.Order().SequenceEqual(["fine", "ica", "total"])), Is.True);
        Assert.That(log.Phases, Does.Contain($"epoch {options.Epochs}/{options.Epochs}").And.Contain("gaussian"));
    }

    [Test]
    public void AShortTrainingRunLowersTheLossAndKeepsMemoryFlat()
    {
        // A learning rate of 0.01 (the quick profile's) makes five steps of batch 4 oscillate on some CPUs' rounding.
        var options = Small with { Epochs = 5, LearningRate = 0.001 };
        var train = _data.Train.Take(8).ToList();
        using var method = new FydMethod(options);
        method.Fit(train, Context());
        var first = LiveTensors();
        method.Fit(train, Context());
        Assert.That(LiveTensors(), Is.EqualTo(first), "a second fit leaves as many tensors as the first");
        TestContext.Out.WriteLine($"epoch losses [{string.Join(", ", method.EpochLosses.Select(l => l.ToString("F4")))}]");
        Assert.That(method.EpochLosses, Has.Count.EqualTo(5));
        Assert.That(method.EpochLosses[^1], Is.LessThan(method.EpochLosses[0]));
    }

    [Test]
    public void TheAblationSwitchesChangeWhatIsTrained()
    {
        var train = _data.Train.Take(8).ToList();
        using var untrained = new FydMethod(Small with { Epochs = 0 });
        untrained.Fit(train, Context());
        var initialBackbone = Snapshot(untrained.Network!.Backbone);

        using (var all = new FydMethod(Small with { Epochs = 1 }))
        {
            all.Fit(train, Context());
            var network = all.Network!;
            Assert.That(Moved(network.ImageAlignment!), Is.True, "ICA's transformer is trained by L_ICA");
            Assert.That(Moved(network.FeatureAlignment("layer1")!), Is.True, "FCA's transformers are trained through the fine loss");
            Assert.That(Differs(initialBackbone, Snapshot(network.Backbone)), Is.True, "the fine loss fine-tunes the backbone");
        }
        using (var noIca = new FydMethod(Small with { Epochs = 1, ImageAlignment = false }))
        {
            noIca.Fit(train, Context());
            Assert.That(noIca.Network!.ImageAlignment, Is.Null);
            Assert.That(Moved(noIca.Network.FeatureAlignment("layer2")!), Is.True);
        }
        using (var noFca = new FydMethod(Small with { Epochs = 1, FeatureAlignment = false }))
        {
            noFca.Fit(train, Context());
            Assert.That(noFca.Network!.FeatureAlignment("layer1"), Is.Null);
            Assert.That(Moved(noFca.Network.ImageAlignment!), Is.True);
        }
        using (var noFine = new FydMethod(Small with { Epochs = 1, FineAlignment = false }))
        {
            noFine.Fit(train, Context());
            var network = noFine.Network!;
            Assert.That(network.Projector, Is.Null);
            Assert.That(Moved(network.ImageAlignment!), Is.True, "L_ICA alone still trains ICA");
            Assert.That(Moved(network.FeatureAlignment("layer1")!), Is.False, "FCA has no loss of its own: without the fine loss it stays the identity");
            Assert.That(Differs(initialBackbone, Snapshot(network.Backbone)), Is.False, "without the fine loss the backbone is PaDiM's, untouched");
        }
        Assert.That(() => new FydMethod(Small with { BatchSize = 1 }), Throws.ArgumentException.With.Message.Contains("batch_size"));
    }

    /// <summary>Whether a transformer's regression output left the identity it was initialised to.</summary>
    private static bool Moved(SpatialTransformer stn)
    {
        using var weight = stn.Regression.get_parameter("fc2.weight").abs().max();
        return weight.item<float>() > 0;
    }

    private static Dictionary<string, float[]> Snapshot(AnomalyBench.Torch.Modules.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => TensorAssert.Values(p.parameter).Select(v => (float)v).ToArray());

    private static bool Differs(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Keys.Any(k => !a[k].SequenceEqual(b[k]));

    /// <summary>With the packaged CNTK network the fine-tuned backbone has an input step torchvision's resnet18 lacks: Load must rebuild it.</summary>
    [TestCase("random")]
    [TestCase("cntk")]
    public void SaveThenLoadGivesIdenticalPredictions(string weights)
    {
        var options = Small with { Weights = weights, Epochs = 1 };
        var train = _data.Train.Take(8).ToList();
        var test = _data.Test.Take(4).ToList();
        var path = Path.Combine(_folder, "fyd.safetensors");
        Directory.CreateDirectory(_folder);
        var live = LiveTensors();
        using (var fitted = new FydMethod(options))
        using (var loaded = new FydMethod(options))
        using (var loader = new DataLoader(test, options.Preprocessing, Device.CPU, new LoaderOptions(BatchSize: 4)))
        {
            fitted.Fit(train, Context(seed: 3));
            fitted.Save(path);
            loaded.Load(path);
            Assert.That(loaded.Provenance, Is.EqualTo(fitted.Provenance));
            Assert.That(loaded.Gaussian!.Precision.equal(fitted.Gaussian!.Precision), Is.True);
            Assert.That(loaded.Gaussian.Channels.equal(fitted.Gaussian.Channels), Is.True);
            foreach (var batch in loader)
            {
                using var a = fitted.Predict(batch.Images);
                using var b = loaded.Predict(batch.Images);
                Assert.That(b.Scores.equal(a.Scores), Is.True, "image scores");
                Assert.That(b.Maps.equal(a.Maps), Is.True, "anomaly maps");
                Assert.That(a.Maps.shape, Is.EqualTo(new long[] { 4, 64, 64 }));
            }
            using var rescored = new FydMethod(options with { Sigma = 2 });
            Assert.That(() => rescored.Load(path), Throws.Nothing);
            using var other = new FydMethod(options with { Lambda = 2 });
            Assert.That(() => other.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("lambda"));
        }
        Assert.That(LiveTensors(), Is.EqualTo(live), "no tensor outlives the methods");
    }

    [Test]
    public void StopsWhenCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var method = new FydMethod(Small);
        var context = Context() with { Cancellation = cancelled.Token };
        Assert.That(() => method.Fit(_data.Train.Take(4).ToList(), context), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void IsRegisteredWithBothProfiles()
    {
        var info = MethodRegistry.Default.Get("fyd");
        Assert.That(info.OptionsType, Is.EqualTo(typeof(FydOptions)));
        var paper = (FydOptions)info.Defaults(Profile.Paper);
        Assert.That(paper.Preprocessing, Is.EqualTo(new Preprocessing(224)));
        Assert.That((paper.Backbone, paper.BatchSize, paper.Epochs, paper.LearningRate, paper.Momentum), Is.EqualTo(("resnet18", 32, 50, 1e-4, 0.9)));
        Assert.That((paper.ResolvedGaussianChannels(), paper.CovarianceEpsilon, paper.Sigma), Is.EqualTo((100, 0.01, 4.0)));
        Assert.That((paper with { Backbone = "wide_resnet50_2" }).ResolvedGaussianChannels(), Is.EqualTo(550), "PaDiM's subset for WRN-50-2");
        Assert.That((paper.ImageAlignment, paper.FeatureAlignment, paper.FineAlignment), Is.EqualTo((true, true, true)));
        Assert.That(paper.Layers, Is.EqualTo(new[] { "layer1", "layer2", "layer3" }));
        var quick = (FydOptions)info.Defaults(Profile.Quick);
        Assert.That((quick.Backbone, quick.Preprocessing.OutputSize), Is.EqualTo(("resnet18", 128)));
        using var method = info.Create(paper);
        Assert.That(method, Is.InstanceOf<FydMethod>());
        Assert.That(() => new FydMethod(paper with { FineLayer = "layer4" }), Throws.ArgumentException.With.Message.Contains("fine_layer"));
        Assert.That(() => new FydMethod(paper with { FeatureTransform = "perspective" }), Throws.ArgumentException.With.Message.Contains("feature_transform"));
        Assert.That(() => new FydMethod(paper with { ScoringFrame = "other" }), Throws.ArgumentException.With.Message.Contains("scoring_frame"));
    }
}
