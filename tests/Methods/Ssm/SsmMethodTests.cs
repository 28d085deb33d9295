using System.Diagnostics;
using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.Ssm;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using AnomalyBench.Tests.Datasets;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods.Ssm;

/// <summary>SSM end to end on generated data and real photographs: training lowers the loss, defects are found, checkpoints score identically, memory stays flat.</summary>
[NonParallelizable]
public class SsmMethodTests
{
    private string _folder = "";

    [OneTimeSetUp]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), $"anomalybench-ssm-{Guid.NewGuid():N}");

    [OneTimeTearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static DatasetCategory Generated(string category, int size, int train, int test)
    {
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: size, TrainCount: train, TestCount: test, Categories: [category]));
        return MVTecLayoutReader.Synthetic(root).Read(category);
    }

    private FitContext Context(ulong seed = 0, ITrainingLog? log = null) =>
        new(Device.CPU, seed, new WeightsStore(_folder), log ?? NullTrainingLog.Instance);

    /// <summary>The quick profile: 32 px, base width 8, batch 4, Adam lr 1e-3 without decay.</summary>
    private static SsmOptions Small => SsmOptions.Defaults(Profile.Quick);

    /// <summary>
    /// The quality check on generated data, means of seeds 0–2. The generator's own defects are drawn "close to the normal
    /// range of values, so that a pixel-difference scorer cannot separate them" (SyntheticDefects), and SSM, trained from
    /// scratch for seconds, stays at chance on them (quick profile on the generated wood and pill, 2026-12-06: I-AUROC 0.604
    /// and 0.479). This check paints OBVIOUS defects — a saturated square of 1/6 of the side at a seeded place — onto copies
    /// of the generated good test images, and scores them against the untouched good images, with the quick profile trained
    /// for 8 epochs instead of 4 (32-px input, base width 8, batch 4, Adam at lr 1e-3; methods/Ssm/README.md). Measured on
    /// 2026-12-06 (2-core CPU, row-wise smoothing): I-AUROC 0.979, 0.639, 0.896 at seeds 0, 1, 2 (mean 0.838): seed 0 alone, which the check
    /// used before, overstated it.
    /// </summary>
    [Test]
    public void SeparatesObviousDefectsOnAGeneratedTexture()
    {
        var data = Generated(QualityCategory, 64, 20, 30);
        var good = data.Test.Where(s => !s.IsAnomalous).ToList();
        var test = good.Concat(good.Select((s, i) => PaintSquare(s, i))).ToList();
        var options = QualityOptions;
        var log = new RecordingLog();
        var live = LiveTensors();
        var aurocs = new List<double>();
        foreach (var seed in QualityCheck.Seeds)
        {
            var watch = Stopwatch.StartNew();
            using var method = new SsmMethod(options);
            method.Fit(data.Train, Context(seed, seed == 0 ? log : null));
            var fit = watch.Elapsed;
            var (scores, labels) = PredictAll(method, test);
            aurocs.Add(Auroc.Of(scores, labels));
            TestContext.Out.WriteLine($"{QualityCategory} + painted squares ({good.Count} good, {good.Count} painted), seed {seed}: I-AUROC {aurocs[^1]:F3}, " +
                                      $"epoch losses [{string.Join(", ", method.EpochLosses.Select(l => l.ToString("F3")))}], " +
                                      $"fit {fit.TotalSeconds:F1} s, predict {(watch.Elapsed - fit).TotalSeconds:F1} s");
            Assert.That(method.EpochLosses[^1], Is.LessThan(method.EpochLosses[0]));
        }
        Assert.That(LiveTensors(), Is.EqualTo(live), "no tensor outlives the method");
        // 20 images, batch 4: 5 steps per epoch, each logged with its four terms, the total and the learning rate.
        Assert.That(log.Steps, Has.Count.EqualTo(options.Epochs * 5));
        Assert.That(log.Steps.All(s => s.Losses.Keys.Order().SequenceEqual(["mask", "mse", "msgms", "ssim", "total"])), Is.True);
        Assert.That(log.Phases, Does.Contain($"epoch {options.Epochs}/{options.Epochs}").And.Contain("score statistics"));
        Assert.That(aurocs.Average(), Is.GreaterThanOrEqualTo(0.75), $"mean I-AUROC of seeds 0–2: {string.Join(" / ", aurocs.Select(a => a.ToString("F3")))}");
    }

    /// <summary>
    /// The quality check on the real hazelnut_toy photographs (SSM has no backbone: no ImageNet weights enter), quick
    /// profile, means of seeds 0–2. Measured on 2026-12-06 (2-core CPU, row-wise smoothing): I-AUROC 1.000 (all seeds): the blue
    /// dye raises the reconstruction error. Its maps do not localise the dye at 32 px (P-AUROC 0.313, below chance: the
    /// σ = 7 smoothing spans the whole 32-px map); at 64 px and 16 epochs P-AUROC is 0.953 but I-AUROC falls to 0.673
    /// (methods/Ssm/README.md). The check therefore asserts the image level only.
    /// </summary>
    [Test]
    public void SeparatesTheDyedHazelnutsOfRealPhotographs()
    {
        var hazelnut = QualityCheck.Measure("ssm, hazelnut_toy", () => new SsmMethod(Small), QualityCheck.Hazelnut(), new WeightsStore(_folder), backbone: false);
        Assert.That(hazelnut.ImageAuroc, Is.GreaterThanOrEqualTo(0.9), "mean I-AUROC");
    }

    private const string QualityCategory = "wood";

    /// <summary>The quick profile with 8 epochs instead of 4 (40 steps of 4 images).</summary>
    private static SsmOptions QualityOptions => Small with { Epochs = 8 };

    /// <summary>A copy of a good image with a saturated blue square (side S/6) at a seeded place, labelled anomalous.</summary>
    private Sample PaintSquare(Sample good, int index)
    {
        Directory.CreateDirectory(_folder);
        using var image = torchvision.io.read_image(good.ImagePath, torchvision.io.ImageReadMode.RGB);
        var (h, w) = ((int)image.size(1), (int)image.size(2));
        var pixels = image.contiguous().data<byte>();
        var random = new Random(index);
        var side = Math.Max(2, w / 6);
        var (top, left) = (random.Next(0, h - side), random.Next(0, w - side));
        for (var y = top; y < top + side; y++)
        for (var x = left; x < left + side; x++)
        {
            pixels[(0 * h + y) * w + x] = 20;
            pixels[(1 * h + y) * w + x] = 40;
            pixels[(2 * h + y) * w + x] = 255;
        }
        var path = Path.Combine(_folder, $"painted_{index:D3}.png");
        using var painted = torch.from_array(pixels, [3, h, w]);
        torchvision.io.write_png(painted, path);
        return new Sample(path, null, Label.Anomalous, "painted_square", good.Category);
    }

    [Test]
    public void AShortRunLowersTheLossAndKeepsMemoryFlat()
    {
        var data = Generated(QualityCategory, 64, 20, 30);
        var options = Small with { Epochs = 3 };
        var train = data.Train.Take(8).ToList();
        using var method = new SsmMethod(options);
        method.Fit(train, Context());
        var first = LiveTensors();
        method.Fit(train, Context());
        Assert.That(LiveTensors(), Is.EqualTo(first), "a second fit leaves as many tensors as the first");
        TestContext.Out.WriteLine($"epoch losses [{string.Join(", ", method.EpochLosses.Select(l => l.ToString("F3")))}]");
        Assert.That(method.EpochLosses, Has.Count.EqualTo(3));
        Assert.That(method.EpochLosses[^1], Is.LessThan(method.EpochLosses[0]));
        Assert.That(method.KeptEpoch, Is.EqualTo(3), "no hold-out: the last epoch");
    }

    [Test]
    public void EarlyStoppingKeepsTheEpochOfTheLowestHoldoutLoss()
    {
        var data = Generated(QualityCategory, 64, 20, 30);
        var options = Small with { Epochs = 4, ValidationRatio = 0.25, Patience = 1 };
        using var method = new SsmMethod(options);
        method.Fit(data.Train.Take(8).ToList(), Context());
        var losses = method.ValidationLosses;
        TestContext.Out.WriteLine($"train [{string.Join(", ", method.EpochLosses.Select(l => l.ToString("F3")))}], hold-out [{string.Join(", ", losses.Select(l => l.ToString("F3")))}], kept {method.KeptEpoch}");
        Assert.That(losses, Has.Count.EqualTo(method.EpochLosses.Count), "one hold-out loss per trained epoch");
        Assert.That(method.KeptEpoch, Is.EqualTo(losses.ToList().IndexOf(losses.Min()) + 1));
        // Patience 1: training stops at the first epoch that does not improve on the best.
        var stopped = Enumerable.Range(1, losses.Count - 1).FirstOrDefault(e => losses[e] >= losses.Take(e).Min());
        Assert.That(losses.Count, Is.EqualTo(stopped == 0 ? options.Epochs : stopped + 1));
    }

    [Test]
    public void SaveThenLoadGivesIdenticalPredictions()
    {
        var data = Generated(QualityCategory, 64, 20, 30);
        var options = Small with { Epochs = 1 };
        var train = data.Train.Take(4).ToList();
        var test = data.Test.Take(4).ToList();
        var path = Path.Combine(_folder, "ssm.safetensors");
        Directory.CreateDirectory(_folder);
        var live = LiveTensors();
        using (var fitted = new SsmMethod(options))
        using (var loaded = new SsmMethod(options))
        using (var loader = new DataLoader(test, options.Preprocessing, Device.CPU, new LoaderOptions(BatchSize: 4)))
        {
            fitted.Fit(train, Context(seed: 3));
            fitted.Save(path);
            loaded.Load(path);
            Assert.That(loaded.Statistics, Is.EqualTo(fitted.Statistics));
            foreach (var batch in loader)
            {
                using var a = fitted.Predict(batch.Images);
                using var b = loaded.Predict(batch.Images);
                Assert.That(b.Scores.equal(a.Scores), Is.True, "image scores");
                Assert.That(b.Maps.equal(a.Maps), Is.True, "anomaly maps");
                Assert.That(a.Maps.shape, Is.EqualTo(new long[] { 4, 32, 32 }));
                Assert.That(a.ScoreParts!.shape, Is.EqualTo(new long[] { 4, 3 }));
            }
            using var transductive = new SsmMethod(options with { ScoreNorm = ScoreNormalization.Test });
            Assert.That(() => transductive.Load(path), Throws.Nothing, "score_norm only changes scoring");
            using var other = new SsmMethod(options with { Ratio = 0.5 });
            Assert.That(() => other.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("ratio"));
        }
        Assert.That(LiveTensors(), Is.EqualTo(live), "no tensor outlives the methods");
    }

    [Test]
    public void StopsWhenCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var method = new SsmMethod(Small);
        var data = Generated(QualityCategory, 64, 20, 30);
        Assert.That(() => method.Fit(data.Train.Take(4).ToList(), Context() with { Cancellation = cancelled.Token }), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void IsRegisteredWithBothProfiles()
    {
        var info = MethodRegistry.Default.Get("ssm");
        Assert.That(info.OptionsType, Is.EqualTo(typeof(SsmOptions)));
        var paper = (SsmOptions)info.Defaults(Profile.Paper);
        Assert.That(paper.Preprocessing, Is.EqualTo(new Preprocessing(128, Normalization: Normalization.None)));
        Assert.That((paper.BatchSize, paper.Epochs, paper.BaseChannels, paper.LearningRate, paper.WeightDecay, paper.Gamma, paper.Alpha, paper.Beta),
            Is.EqualTo((32, 50, 64, 1e-4, 1e-5, 1.0, 1.0, 1.0)));
        Assert.That((paper.RefinementRounds, paper.Threshold, paper.Ratio, paper.RefinementGrid, paper.MaskSeed, paper.Sigma, paper.ScoreNorm, paper.SymmetricInputs),
            Is.EqualTo((1, 0.96, 0.8, 16, 8, 7.0, ScoreNormalization.Train, false)));
        Assert.That(paper.KValues, Is.EqualTo(new[] { 2, 4, 8 }));
        Assert.That(paper.LrDecayEpochs, Is.EqualTo(new[] { 15, 30, 45 }));
        var quick = (SsmOptions)info.Defaults(Profile.Quick);
        Assert.That(() => quick.Validate(), Throws.Nothing);
        using var method = info.Create(paper);
        Assert.That(method, Is.InstanceOf<SsmMethod>());
    }

    private static (List<double> Scores, List<bool> Labels) PredictAll(SsmMethod method, IReadOnlyList<Sample> samples)
    {
        var scores = new List<double>();
        var labels = new List<bool>();
        using var loader = new DataLoader(samples, method.Options.Preprocessing, Device.CPU, new LoaderOptions(BatchSize: method.Options.BatchSize));
        foreach (var batch in loader)
        {
            using var prediction = method.Predict(batch.Images);
            scores.AddRange(TensorAssert.Values(prediction.Scores));
            labels.AddRange(batch.Samples.Select(s => s.IsAnomalous));
        }
        return (scores, labels);
    }
}
