using System.Diagnostics;
using System.Globalization;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods;
using AnomalyBench.Metrics;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using YamlDotNet.RepresentationModel;

namespace AnomalyBench.Harness.SelfCheck;

/// <summary>
/// Each registered method fitted and predicted on a small generated category, on the target device and on CPU from
/// the same seed (issue 22). Every method runs its quick profile with <c>weights: random</c> (no file needed, the same
/// numbers everywhere); <c>--quick</c> also cuts images to at most 64 px, epochs to 1 (ReContrast: 1 iteration) and
/// backbones to ResNet-18, times one call per batch size, and on CPU compares each method with its own run instead of
/// fitting it twice, so that all seven run in well under a minute on a 2-core CPU.
/// </summary>
internal static class MethodChecks
{
    /// <summary>Methods that fit without gradient steps: their scores must agree with CPU's within <see cref="ScoreTolerance"/>.</summary>
    private static readonly HashSet<string> s_trainingFree = new(StringComparer.Ordinal) { "patchcore" };

    /// <summary>
    /// Largest image-score difference over the CPU scores' range for training-free methods: the backbone's TF32
    /// convolutions on CUDA (OpChecks) move features by about 1e-3, and the greedy coreset may then keep another patch
    /// here and there; 1e-2 of the range still catches a wrong op. Not yet measured on a GPU (issue 22, part 3).
    /// </summary>
    public const double ScoreTolerance = 1e-2;

    /// <summary>
    /// |I-AUROC(device) - I-AUROC(CPU)| allowed for trained methods, whose CPU and CUDA runs drift apart over the optimiser
    /// steps: the generated test set has 3 good and 5 defective images, 15 pairs of 1/15 each, and 0.25 lets three
    /// pairs change order while a ranking that breaks on the device (e.g. 0.87 on CPU, 0.5 on CUDA) fails.
    /// </summary>
    public const double AurocBand = 0.25;

    private sealed record Outcome(double[] Scores, bool[] Labels, double FitSeconds, double PerSecond1, double PerSecondBatch, long? PeakCuda, long Leaked);

    /// <param name="tolerance">maps (method key, stated score tolerance or AUROC band) to the one applied; null keeps the stated ones.</param>
    public static IReadOnlyList<MethodCheck> Run(MethodRegistry registry, Device device, bool quick, TextWriter progress, Func<string, double, double>? tolerance = null)
    {
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: quick ? 64 : 128, TrainCount: 8, TestCount: 8, Categories: ["wood"]));
        var data = MVTecLayoutReader.Synthetic(root).Read("wood");
        var results = new List<MethodCheck>();
        foreach (var info in registry.All)
        {
            progress.WriteLine($"  {info.Key} ...");
            results.Add(Check(info, device, quick, data, tolerance));
        }
        return results;
    }

    private static MethodCheck Check(MethodInfo info, Device device, bool quick, DatasetCategory data, Func<string, double, double>? tolerance)
    {
        var trains = !s_trainingFree.Contains(info.Key);
        string settings = "";
        try
        {
            var (options, described) = Options(info, quick);
            settings = described;
            var target = RunOnce(info, options, device, data, measure: true, quick);
            // Training-free methods repeat exactly on CPU, and --quick on CPU proves only the wiring: one run serves as both.
            var reuse = device.Type == DeviceType.CPU && (!trains || quick);
            var reference = reuse ? target : RunOnce(info, options, Device.CPU, data, measure: false, quick);
            var scoreError = ScoreError(reference.Scores, target.Scores);
            var aurocDevice = Auroc(target.Scores, target.Labels);
            var aurocCpu = Auroc(reference.Scores, reference.Labels);
            var scoreTolerance = tolerance?.Invoke(info.Key, ScoreTolerance) ?? ScoreTolerance;
            var band = tolerance?.Invoke(info.Key, AurocBand) ?? AurocBand;
            var problems = new List<string>();
            // On CPU both runs take the same float path, so every method's scores must repeat; on CUDA only the
            // training-free ones can, trained ones are held to their I-AUROC band.
            if ((!trains || device.Type == DeviceType.CPU) && !(scoreError <= scoreTolerance))
                problems.Add($"image scores differ from CPU's by {Format(scoreError)} of their range (tolerance {Format(scoreTolerance)})");
            if (!(Math.Abs(aurocDevice - aurocCpu) <= band))
                problems.Add($"I-AUROC {aurocDevice:F3} vs {aurocCpu:F3} on CPU (band {band})");
            if (target.Leaked != 0) problems.Add($"{target.Leaked} tensor(s) left alive");
            return new MethodCheck(info.Key, trains, settings, scoreError, scoreTolerance, aurocDevice, aurocCpu, band, target.Leaked, target.FitSeconds,
                target.PerSecond1, target.PerSecondBatch, options.BatchSize, target.PeakCuda, problems.Count == 0, problems.Count == 0 ? null : string.Join("; ", problems));
        }
        catch (Exception e) when (e is TorchException or ArgumentException or InvalidOperationException or IOException or KeyNotFoundException)
        {
            return new MethodCheck(info.Key, trains, settings, double.NaN, ScoreTolerance, double.NaN, double.NaN, AurocBand, 0, 0, 0, 0, 0, null, false,
                $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The quick profile with the self-check's changes applied by their YAML names, and a line saying what changed.</summary>
    private static (MethodOptions Options, string Described) Options(MethodInfo info, bool quick)
    {
        object options = info.Defaults(Profile.Quick);
        var binder = new YamlBinder("selfcheck");
        var changed = new List<string> { "profile quick" };
        void Set(string key, string value)
        {
            if (binder.TrySet(ref options, key, new YamlScalarNode(value), info.Key)) changed.Add($"{key} {value}");
        }
        Set("weights", "random");
        if (quick)
        {
            Set("backbone", "resnet18");
            Set("epochs", "1");
            Set("iterations", "1");
            // SSM's quick profile is already 32 px, and its threshold is tuned to that size (SsmOptions.ScaledThreshold).
            var typed = (MethodOptions)options;
            if (typed.Preprocessing.ImageSize > 64 || (typed.Preprocessing.Crop ?? 0) > 64)
            {
                options = typed with { Preprocessing = typed.Preprocessing with { ImageSize = 64, Crop = null } };
                changed.Add("image_size 64");
            }
        }
        var result = (MethodOptions)options;
        result.Validate();
        return (result, string.Join(", ", changed));
    }

    private static Outcome RunOnce(MethodInfo info, MethodOptions options, Device device, DatasetCategory data, bool measure, bool quick)
    {
        var live = LiveTensors();
        var weights = Path.Combine(Path.GetTempPath(), $"anomalybench-selfcheck-{Guid.NewGuid():N}");
        double[] scores;
        double fitSeconds, perSecond1 = 0, perSecondBatch = 0;
        PhaseMemory? memory = null;
        try
        {
            using (var method = info.Create(options))
            {
                var meter = MemoryMeter.Start(device);
                var clock = Stopwatch.StartNew();
                method.Fit(data.Train, new FitContext(device, 0, new WeightsStore(weights), NullTrainingLog.Instance));
                Synchronize(device);
                fitSeconds = clock.Elapsed.TotalSeconds;
                using var images = Load(data.Test, options.Preprocessing, device);
                scores = Predict(method, images, options.BatchSize);
                if (measure)
                {
                    perSecond1 = Throughput(method, images, 1, device, quick);
                    perSecondBatch = Throughput(method, images, options.BatchSize, device, quick);
                }
                memory = meter.Stop();
            }
        }
        finally
        {
            if (Directory.Exists(weights)) Directory.Delete(weights, recursive: true);
        }
        return new Outcome(scores, [.. data.Test.Select(s => s.IsAnomalous)], fitSeconds, perSecond1, perSecondBatch, memory?.PeakCudaBytes, LiveTensors() - live);
    }

    /// <summary>All test images as one [N,3,S,S] tensor on the device.</summary>
    private static Tensor Load(IReadOnlyList<Sample> samples, Preprocessing preprocessing, Device device)
    {
        using var loader = new DataLoader(samples, preprocessing, Device.CPU, new LoaderOptions(BatchSize: samples.Count));
        foreach (var batch in loader)
        {
            using (batch) return batch.Images.to(device);
        }
        throw new InvalidOperationException("the generated test set is empty");
    }

    private static double[] Predict(IAnomalyMethod method, Tensor images, int batchSize)
    {
        var scores = new List<double>();
        var n = images.size(0);
        for (long start = 0; start < n; start += batchSize)
        {
            using var batch = images.narrow(0, start, Math.Min(batchSize, n - start));
            using var prediction = method.Predict(batch);
            using var cpu = prediction.Scores.to(Device.CPU, ScalarType.Float32);
            scores.AddRange(cpu.data<float>().Select(v => (double)v));
        }
        return [.. scores];
    }

    /// <summary>
    /// Images per second predicting a batch of <paramref name="batch"/> (test images repeated) over 8 images or at least
    /// one call, after one warm-up call (CUDA's kernel selection and allocator growth); --quick on CPU times one call cold.
    /// </summary>
    private static double Throughput(IAnomalyMethod method, Tensor images, int batch, Device device, bool quick)
    {
        using var arange = torch.arange(batch, ScalarType.Int64, device);
        using var index = arange.remainder(images.size(0));
        using var input = images.index_select(0, index);
        var cheap = quick && device.Type == DeviceType.CPU;
        if (!cheap) method.Predict(input).Dispose();
        Synchronize(device);
        var repeats = cheap ? 1 : Math.Max(1, 8 / batch);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < repeats; i++) method.Predict(input).Dispose();
        Synchronize(device);
        return repeats * batch / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Tensors alive once the finalizers of unreachable ones have run (as the tests count them).</summary>
    private static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }

    private static void Synchronize(Device device)
    {
        if (device.Type == DeviceType.CUDA) torch.cuda.synchronize(Math.Max(device.Index, 0));
    }

    /// <summary>max |a - b| over the range of <paramref name="reference"/> (1 when the range is 0).</summary>
    public static double ScoreError(double[] reference, double[] result)
    {
        if (reference.Length != result.Length) return double.PositiveInfinity;
        if (reference.Concat(result).Any(v => !double.IsFinite(v))) return double.PositiveInfinity;
        var range = reference.Max() - reference.Min();
        var diff = reference.Zip(result, (a, b) => Math.Abs(a - b)).DefaultIfEmpty(0).Max();
        return diff / (range > 0 ? range : 1);
    }

    /// <summary>I-AUROC by the harness's metrics module; NaN when one class is missing.</summary>
    public static double Auroc(double[] scores, bool[] anomalous)
    {
        var result = ImageMetrics.Compute(scores.Select(v => (float)v).ToArray(), anomalous.Select(a => a ? (byte)1 : (byte)0).ToArray());
        return result.Auroc.IsDefined ? result.Auroc.Value : double.NaN;
    }

    private static string Format(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
