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
/// (<see cref="IStagedPrediction"/>), which the benchmarks time separately; the split must not change a prediction.
/// </summary>
public class StagedPredictionTests
{
    public static IEnumerable<string> Methods() => MethodRegistry.Default.Keys;

    [TestCaseSource(nameof(Methods))]
    public void PredictIsPostprocessOfForwardAndTheRawPredictionCanBeReused(string key)
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

            using (var whole = method.Predict(images))
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
                Assert.That(whole.Maps.shape, Is.EqualTo(new long[] { 3, side, side }));
                TensorAssert.Close(first.Maps, TensorAssert.Values(whole.Maps), whole.Maps.shape, 1e-5);
                TensorAssert.Close(first.Scores, TensorAssert.Values(whole.Scores), whole.Scores.shape, 1e-5);
                TensorAssert.Close(second.Maps, TensorAssert.Values(first.Maps), first.Maps.shape, 0);
                TensorAssert.Close(second.Scores, TensorAssert.Values(first.Scores), first.Scores.shape, 0);
            }
            Assert.That(LiveTensors(), Is.EqualTo(live), "Forward and Postprocess leave no tensor alive once their results are disposed");
        }
        finally
        {
            if (Directory.Exists(weights)) Directory.Delete(weights, recursive: true);
        }
    }
}
