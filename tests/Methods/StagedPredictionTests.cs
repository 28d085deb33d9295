using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods;

/// <summary>
/// Every registered method splits Predict into the model's forward pass and its post-processing
/// (<see cref="IStagedPrediction"/>), which the benchmarks time separately: the raw maps stay at the model's resolution,
/// the post-processing reads them (and only them) image by image, and a batch predicts each image as it would alone.
/// </summary>
public class StagedPredictionTests
{
    public static IEnumerable<string> Methods() => MethodRegistry.Default.Keys;

    /// <summary>1e-5 of the largest magnitude in <paramref name="values"/> (at least 1e-5).</summary>
    private static double Relative(Tensor values) => 1e-5 * Math.Max(1, values.abs().max().item<float>());

    /// <summary>A copy of a raw map [B, …] with a large value added at image 0's first element.</summary>
    private static Tensor Spike(Tensor map)
    {
        using var scope = torch.NewDisposeScope();
        var copy = map.contiguous().clone();
        copy.view(-1).narrow(0, 0, 1).add_(((map.max() - map.min()).abs() + 1) * 10);
        return copy.MoveToOuterDisposeScope();
    }

    [TestCaseSource(nameof(Methods))]
    public void TheModelsRawMapsArePostprocessedImageByImageAndCanBeReused(string key)
    {
        var info = MethodRegistry.Default.Get(key);
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 128, TrainCount: 8, TestCount: 16, Categories: ["wood"]));
        var data = MVTecLayoutReader.Synthetic(root).Read("wood");
        var weights = Path.Combine(Path.GetTempPath(), $"anomalybench-staged-{Guid.NewGuid():N}");
        try
        {
            using var method = info.Create(info.Defaults(Profile.Quick));
            Assert.That(method, Is.InstanceOf<IStagedPrediction>(), $"{key} must implement IStagedPrediction so that its benchmarks split the model from the post-processing");
            var staged = (IStagedPrediction)method;
            method.Fit(data.Train.Take(4).ToList(), new FitContext(Device.CPU, 0, new WeightsStore(weights), NullTrainingLog.Instance));
            using var images = Images(data.Test.Take(3).ToList(), method.Options.Preprocessing);
            var side = images.size(2);
            var live = LiveTensors();

            // Everything the assertions slice and compute goes with this scope, before the leak check below.
            using (var scope = torch.NewDisposeScope())
            using (var raw = staged.Forward(images))
            using (var first = staged.Postprocess(raw))
            using (var second = staged.Postprocess(raw))
            {
                Assert.That((raw.Height, raw.Width), Is.EqualTo((side, side)), "the raw prediction remembers the input size");
                Assert.That(raw.Maps.All(m => m.size(0) == 3), "one raw map per image of the batch");
                if (key != "ssm")
                {
                    // The model's maps stay at its feature resolution: upsampling is the post-processing's work.
                    Assert.That(raw.Maps.All(m => m.size(-1) < side), $"raw map widths {string.Join(", ", raw.Maps.Select(m => m.size(-1)))} for a {side}-px input");
                }
                Assert.That(first.Maps.shape, Is.EqualTo(new long[] { 3, side, side }));
                // Postprocess leaves the raw prediction as it was: a second call gives the same result bit for bit.
                TensorAssert.Close(second.Maps, TensorAssert.Values(first.Maps), first.Maps.shape, 0);
                TensorAssert.Close(second.Scores, TensorAssert.Values(first.Scores), first.Scores.shape, 0);

                // Postprocess works from the raw maps it is given, image by image: a spike in image 0's raw maps changes
                // image 0's final map and nothing of images 1 and 2 (no state cached in Forward, no statistics of the batch).
                using var spiked = new RawPrediction(raw.Height, raw.Width, raw.Maps.Select(Spike).ToList(), raw.Scores.Select(t => t.clone()).ToList());
                using var moved = staged.Postprocess(spiked);
                Assert.That(moved.Maps.select(0, 0).equal(first.Maps.select(0, 0)), Is.False, "image 0's map follows its raw maps");
                TensorAssert.Close(moved.Maps.narrow(0, 1, 2), TensorAssert.Values(first.Maps.narrow(0, 1, 2)), [2, side, side], 1e-6);
                TensorAssert.Close(moved.Scores.narrow(0, 1, 2), TensorAssert.Values(first.Scores.narrow(0, 1, 2)), [2], 1e-6);

                // The same holds of the whole staged prediction: image i of a batch scores as image i alone (to float
                // rounding, which batched matrix products order differently: 1e-5 of the values' magnitude).
                var (mapTolerance, scoreTolerance) = (Relative(first.Maps), Relative(first.Scores));
                for (var i = 0; i < 3; i++)
                {
                    using var single = images.narrow(0, i, 1);
                    using var alone = method.Predict(single);
                    TensorAssert.Close(alone.Maps, TensorAssert.Values(first.Maps.narrow(0, i, 1)), [1, side, side], mapTolerance);
                    TensorAssert.Close(alone.Scores, TensorAssert.Values(first.Scores.narrow(0, i, 1)), [1], scoreTolerance);
                }
            }
            Assert.That(LiveTensors(), Is.EqualTo(live), "Forward and Postprocess leave no tensor alive once their results are disposed");
        }
        finally
        {
            if (Directory.Exists(weights)) Directory.Delete(weights, recursive: true);
        }
    }
}
