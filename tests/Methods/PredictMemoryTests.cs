using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods;

/// <summary>
/// Memory safety under load: every registered method, fitted at its quick profile, predicts 10,000 images in a loop
/// without growing native memory (no tensor left alive, resident set flat after the warm-up). Long (minutes per
/// method on a 2-core CPU), so explicit: <c>dotnet test --filter FullyQualifiedName~PredictMemoryTests</c>.
/// </summary>
[Explicit("long: 10,000 predictions per method; run it by name")]
[NonParallelizable]
public class PredictMemoryTests
{
    private const int Images = 10_000;
    private const int Batch = 16;

    public static IEnumerable<string> Methods() => MethodRegistry.Default.Keys;

    [TestCaseSource(nameof(Methods))]
    public void TenThousandPredictionsDoNotGrowNativeMemory(string key)
    {
        var info = MethodRegistry.Default.Get(key);
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 128, TrainCount: 8, TestCount: Batch, Categories: ["wood"]));
        var data = MVTecLayoutReader.Synthetic(root).Read("wood");
        var weights = Path.Combine(Path.GetTempPath(), $"anomalybench-memory-{Guid.NewGuid():N}");
        using var method = info.Create(info.Defaults(Profile.Quick));
        method.Fit(data.Train, new FitContext(Device.CPU, 0, new WeightsStore(weights), NullTrainingLog.Instance));
        using var images = Images(data.Test, method.Options.Preprocessing);

        // Warm-up: allocator pools and caches settle in the first batches.
        for (var i = 0; i < 20; i++) method.Predict(images).Dispose();
        var live = LiveTensors();
        var resident = ProcessMemory.ResidentBytes() ?? 0;
        for (var done = 0; done < Images; done += Batch) method.Predict(images).Dispose();
        var grown = (ProcessMemory.ResidentBytes() ?? 0) - resident;
        TestContext.Out.WriteLine($"{key}: {Images} predictions, resident set {resident >> 20} MiB -> {(resident + grown) >> 20} MiB");
        Assert.That(LiveTensors(), Is.EqualTo(live), "no tensor left alive by Predict");
        Assert.That(grown, Is.LessThan(64L << 20), "the resident set stays flat (within 64 MiB of allocator noise)");
        if (Directory.Exists(weights)) Directory.Delete(weights, recursive: true);
    }
}
