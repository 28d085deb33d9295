using AnomalyBench.Methods;
using AnomalyBench.Methods.ReConPatch;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods.ReConPatch;

/// <summary>
/// The similarity network's EMA and the training loop (ReConPatch §3.2–3.3). AdamP itself (AdamW's step when the
/// projection does not trigger; radial component removed on a scale-invariant weight) is tested in
/// tests/Torch/Nn/NnAdamPTests.cs.
/// </summary>
[NonParallelizable]
public class TrainingTests
{
    [Test]
    public void TheEmaUpdateIsTheMomentumFormula()
    {
        torch.manual_seed(1);
        using var target = new ReConPatchHeads(6, 4, 3);
        using var similarity = new ReConPatchHeads(6, 4, 3);
        ExponentialMovingAverage.Initialise(similarity, target);
        Assert.That(similarity.parameters().All(p => !p.requires_grad), Is.True, "no gradient into f̄, ḡ");
        Assert.That(similarity.parameters().Zip(target.parameters()).All(p => p.First.equal(p.Second)), Is.True, "starts as a copy");
        // Move the target, as an optimiser step would, then average.
        using (torch.no_grad())
            foreach (var p in target.parameters())
            {
                using var noise = torch.randn(p.shape);
                p.add_(noise);
            }
        var before = similarity.parameters().Select(p => TensorAssert.Values(p)).ToList();
        var online = target.parameters().Select(p => TensorAssert.Values(p)).ToList();
        ExponentialMovingAverage.Update(similarity, target, momentum: 0.9);
        var after = similarity.parameters().Select(p => TensorAssert.Values(p)).ToList();
        for (var i = 0; i < after.Count; i++)
        {
            var expected = before[i].Zip(online[i], (a, o) => 0.9 * a + 0.1 * o).ToArray();
            Assert.That(after[i], Is.EqualTo(expected).Within(1e-6));
        }
    }

    [Test]
    public void AShortTrainingRunLowersTheLossOnClusteredFeatures()
    {
        torch.manual_seed(7);
        // 512 features of 8 well-separated clusters in 32 dimensions.
        using var centres = torch.randn([8, 32]) * 3;
        using var assignment = torch.randint(0, 8, [512]);
        using var picked = centres.index_select(0, assignment);
        using var noise = torch.randn([512, 32]) * 0.5;
        using var features = picked + noise;
        var options = new ReConPatchOptions
        {
            FeatureDimension = 32, RepresentationDimension = 16, ProjectionDimension = 8,
            PatchBatchSize = 128, Epochs = 20, LearningRate = 1e-2,
        };
        var log = new RecordingLog();
        var live = LiveTensors();
        using (var target = new ReConPatchHeads(32, 16, 8))
        using (var similarity = new ReConPatchHeads(32, 16, 8))
        {
            var steps = ReConPatchTrainer.Train(features, target, similarity, options, log);
            Assert.That(steps, Is.EqualTo(20 * 4));
        }
        Assert.That(LiveTensors(), Is.EqualTo(live), "no tensor outlives the training");
        var first = log.Losses.Take(4).Average();
        var last = log.Losses.TakeLast(4).Average();
        TestContext.Out.WriteLine($"relaxed contrastive loss: first epoch {first:F4}, last epoch {last:F4}");
        Assert.That(log.Losses.All(double.IsFinite), Is.True);
        Assert.That(last, Is.LessThan(first * 0.9));
        // Cosine annealing per epoch: the first epoch runs at the full rate, the last near 0.
        Assert.That(log.Rates[0], Is.EqualTo(1e-2));
        Assert.That(log.Rates[^1], Is.EqualTo(1e-2 * (1 + Math.Cos(Math.PI * 19 / 20)) / 2).Within(1e-12));
    }

    [Test]
    public void CancellationStopsBetweenSteps()
    {
        using var features = torch.randn([64, 8]);
        using var target = new ReConPatchHeads(8, 4, 2);
        using var similarity = new ReConPatchHeads(8, 4, 2);
        using var source = new CancellationTokenSource();
        source.Cancel();
        var options = new ReConPatchOptions { FeatureDimension = 8, RepresentationDimension = 4, ProjectionDimension = 2, PatchBatchSize = 16, Epochs = 1 };
        Assert.That(() => ReConPatchTrainer.Train(features, target, similarity, options, NullTrainingLog.Instance, source.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    private sealed class RecordingLog : ITrainingLog
    {
        public List<double> Losses { get; } = [];

        public List<double> Rates { get; } = [];

        public void Step(long step, IReadOnlyDictionary<string, double> losses, double learningRate)
        {
            Losses.Add(losses[ReConPatchTrainer.LossName]);
            Rates.Add(learningRate);
        }

        public void Progress(string phase, long done, long total)
        {
        }
    }
}
