using System.Globalization;
using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// Every registered method through its <see cref="IAnomalyMethod"/> surface, at its quick profile, on a generated
/// category of 8 training and 16 test images: <c>Fit</c> (the whole fit), then prediction at batch 1 and batch 16,
/// split into its stages so that the bottleneck shows: <c>Preprocess</c> (the loader: decode, resize, normalise),
/// <c>Forward</c> (the model at its own resolution, <see cref="IStagedPrediction.Forward"/>), <c>Postprocess</c>
/// (upsampling, smoothing, image score) and <c>Predict</c> (Forward + Postprocess, as the runner calls it). Times
/// are per image; on CUDA every timed call ends with a synchronisation. Peak native memory per case: VmHWM after a
/// /proc/self/clear_refs reset before every iteration, and on CUDA libtorch's peak allocated bytes.
/// <para>
/// <c>Backbone</c> and <c>ImageSize</c> replace the profile's backbone and input side (resize to S, no crop); their
/// values come from ANOMALYBENCH_BENCH_BACKBONES and ANOMALYBENCH_BENCH_IMAGE_SIZES (comma lists; "profile" keeps the
/// profile's own), because BenchmarkDotNet has no command-line switch for parameter values.
/// </para>
/// </summary>
[Config(typeof(Columns))]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class MethodBenchmarks
{
    /// <summary>The value of <see cref="Backbone"/> and <see cref="ImageSize"/> that keeps the quick profile's setting.</summary>
    public const string ProfileSetting = "profile";

    private const int TrainImages = 8;
    private const int TestImages = 16;

    // Memory is reset around every iteration, so an iteration is one invocation: the batch-1 cases repeat their call
    // inside it, or a single call would carry the whole timer and thread-wake-up noise.
    private const int Repeats = 16;

    private IAnomalyMethod _method = null!;
    private IStagedPrediction _staged = null!;
    private MethodOptions _options = null!;
    private DatasetCategory _data = null!;
    private Tensor _batch16 = null!;
    private Tensor _batch1 = null!;
    private RawPrediction _raw16 = null!;
    private RawPrediction _raw1 = null!;
    private Device _device;
    private string _weightsFolder = "";
    private PeakMemory _memory = null!;

    public static IEnumerable<string> Methods() => MethodRegistry.Default.Keys;

    public static IEnumerable<string> Devices() => torch.cuda.is_available() ? ["cpu", "cuda"] : ["cpu"];

    public static IEnumerable<string> Backbones() => Settings("ANOMALYBENCH_BENCH_BACKBONES");

    public static IEnumerable<string> ImageSizes() => Settings("ANOMALYBENCH_BENCH_IMAGE_SIZES");

    [ParamsSource(nameof(Methods))]
    public string Method { get; set; } = "patchcore";

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [ParamsSource(nameof(Backbones))]
    public string Backbone { get; set; } = ProfileSetting;

    [ParamsSource(nameof(ImageSizes))]
    public string ImageSize { get; set; } = ProfileSetting;

    /// <summary>The category and, for Fit, nothing else: Fit builds its own instance every iteration.</summary>
    [GlobalSetup(Target = nameof(Fit))]
    public void SetupFit()
    {
        _device = AnomalyBench.Torch.Device.Parse(Device);
        _options = Configure(MethodRegistry.Default.Get(Method), Backbone, ImageSize);
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 128, TrainCount: TrainImages, TestCount: TestImages, Categories: ["wood"]));
        _data = MVTecLayoutReader.Synthetic(root).Read("wood");
        // An empty weights store: `auto` falls back to seeded random weights; the cost does not depend on them.
        _weightsFolder = Path.Combine(Path.GetTempPath(), $"anomalybench-method-bench-{Guid.NewGuid():N}");
    }

    /// <summary>A fitted method, the pre-processed batches and their raw predictions.</summary>
    [GlobalSetup(Targets = [nameof(Preprocess1), nameof(Preprocess16), nameof(Forward1), nameof(Forward16),
        nameof(Postprocess1), nameof(Postprocess16), nameof(Predict1), nameof(Predict16)])]
    public void Setup()
    {
        SetupFit();
        _method = MethodRegistry.Default.Get(Method).Create(_options);
        _staged = _method as IStagedPrediction
            ?? throw new NotSupportedException($"{Method} does not implement IStagedPrediction: its prediction cannot be split into stages");
        _method.Fit(_data.Train, Context());
        _batch16 = Images(_data.Test, TestImages);
        _batch1 = Images(_data.Test, 1);
        _raw16 = _staged.Forward(_batch16);
        _raw1 = _staged.Forward(_batch1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw1?.Dispose();
        _raw16?.Dispose();
        _batch1?.Dispose();
        _batch16?.Dispose();
        _method?.Dispose();
        if (Directory.Exists(_weightsFolder)) Directory.Delete(_weightsFolder, recursive: true);
    }

    // clear_refs (and the CUDA peak) before every iteration, keyed by the benchmark, so the columns show its own peak.
    [IterationSetup(Target = nameof(Fit))]
    public void BeforeFit() => Begin(nameof(Fit));

    [IterationSetup(Target = nameof(Preprocess1))]
    public void BeforePreprocess1() => Begin(nameof(Preprocess1));

    [IterationSetup(Target = nameof(Preprocess16))]
    public void BeforePreprocess16() => Begin(nameof(Preprocess16));

    [IterationSetup(Target = nameof(Forward1))]
    public void BeforeForward1() => Begin(nameof(Forward1));

    [IterationSetup(Target = nameof(Forward16))]
    public void BeforeForward16() => Begin(nameof(Forward16));

    [IterationSetup(Target = nameof(Postprocess1))]
    public void BeforePostprocess1() => Begin(nameof(Postprocess1));

    [IterationSetup(Target = nameof(Postprocess16))]
    public void BeforePostprocess16() => Begin(nameof(Postprocess16));

    [IterationSetup(Target = nameof(Predict1))]
    public void BeforePredict1() => Begin(nameof(Predict1));

    [IterationSetup(Target = nameof(Predict16))]
    public void BeforePredict16() => Begin(nameof(Predict16));

    [IterationCleanup]
    public void SavePeak() => _memory.Save();

    private void Begin(string benchmark)
    {
        _memory = new PeakMemory(PeakKey(Method, Device, Backbone, ImageSize, benchmark), cuda: _device.Type == DeviceType.CUDA);
        _memory.Reset();
    }

    /// <summary>The whole Fit at the quick profile on 8 images.</summary>
    [Benchmark]
    public void Fit()
    {
        using var method = MethodRegistry.Default.Get(Method).Create(_options);
        method.Fit(_data.Train, Context());
        Synchronize();
    }

    /// <summary>Loading and pre-processing one test image, <see cref="Repeats"/> times (time per image).</summary>
    [Benchmark(OperationsPerInvoke = Repeats)]
    public void Preprocess1() => Run(Repeats, () => Images(_data.Test, 1));

    /// <summary>Loading and pre-processing 16 test images (time per image).</summary>
    [Benchmark(OperationsPerInvoke = TestImages)]
    public void Preprocess16() => Run(1, () => Images(_data.Test, TestImages));

    /// <summary>The model's forward pass and scoring on one image, <see cref="Repeats"/> times (time per image).</summary>
    [Benchmark(OperationsPerInvoke = Repeats)]
    public void Forward1() => Run(Repeats, () => _staged.Forward(_batch1));

    /// <summary>The model's forward pass and scoring on a batch of 16 (time per image).</summary>
    [Benchmark(OperationsPerInvoke = TestImages)]
    public void Forward16() => Run(1, () => _staged.Forward(_batch16));

    /// <summary>Upsampling, smoothing and the image score of one image, <see cref="Repeats"/> times (time per image).</summary>
    [Benchmark(OperationsPerInvoke = Repeats)]
    public void Postprocess1() => Run(Repeats, () => _staged.Postprocess(_raw1));

    /// <summary>Upsampling, smoothing and the image scores of a batch of 16 (time per image).</summary>
    [Benchmark(OperationsPerInvoke = TestImages)]
    public void Postprocess16() => Run(1, () => _staged.Postprocess(_raw16));

    /// <summary>Predict one image at a time (Forward + Postprocess), <see cref="Repeats"/> times (time per image).</summary>
    [Benchmark(OperationsPerInvoke = Repeats)]
    public void Predict1() => Run(Repeats, () => _method.Predict(_batch1));

    /// <summary>Predict a batch of 16 (time per image).</summary>
    [Benchmark(OperationsPerInvoke = TestImages)]
    public void Predict16() => Run(1, () => _method.Predict(_batch16));

    /// <summary>Calls <paramref name="call"/> <paramref name="times"/> times, each result disposed and CUDA synchronised.</summary>
    private void Run(int times, Func<IDisposable> call)
    {
        for (var i = 0; i < times; i++)
        {
            using var result = call();
            Synchronize();
        }
    }

    /// <summary>
    /// The quick profile of <paramref name="info"/> with <paramref name="backbone"/> and the input side
    /// <paramref name="imageSize"/> (resize to S, no crop) in place of its own, unless they are <see cref="ProfileSetting"/>.
    /// </summary>
    internal static MethodOptions Configure(MethodInfo info, string backbone, string imageSize)
    {
        var options = info.Defaults(Profile.Quick);
        if (imageSize != ProfileSetting)
        {
            if (!int.TryParse(imageSize, NumberStyles.None, CultureInfo.InvariantCulture, out var side) || side < 1)
                throw new ArgumentException($"ANOMALYBENCH_BENCH_IMAGE_SIZES: '{imageSize}' is not an image side in pixels (or '{ProfileSetting}')");
            options = options with { Preprocessing = options.Preprocessing with { ImageSize = side, Crop = null } };
        }
        if (backbone != ProfileSetting)
        {
            if (options is not IBackboneOptions)
                throw new NotSupportedException($"{info.Key} has no backbone option; benchmark it with Backbone = {ProfileSetting}");
            // Records' init-only properties can be set through reflection on a copy, as the experiment binder does.
            options = options with { };
            options.GetType().GetProperty(nameof(IBackboneOptions.Backbone))!.SetValue(options, backbone);
        }
        options.Validate();
        return options;
    }

    private static IEnumerable<string> Settings(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value)) return [ProfileSetting];
        return value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private FitContext Context() => new(_device, 0, new WeightsStore(_weightsFolder), NullTrainingLog.Instance);

    private Tensor Images(IReadOnlyList<Sample> samples, int count)
    {
        using var loader = new DataLoader(samples.Take(count).ToList(), _options.Preprocessing, _device, new LoaderOptions(BatchSize: count));
        foreach (var batch in loader) return batch.Images.clone();
        throw new InvalidOperationException("no test images");
    }

    private void Synchronize()
    {
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    internal static string PeakKey(string method, string device, string backbone, string imageSize, string benchmark) =>
        $"method-{method}-{device}-{backbone}-{imageSize}-{benchmark}";

    private sealed class Columns : ManualConfig
    {
        public Columns() => AddColumn(new PeakColumn(cuda: false), new PeakColumn(cuda: true));
    }

    /// <summary>The peak memory of the case's last iteration, in MiB: the host's resident set, or libtorch's CUDA allocations.</summary>
    private sealed class PeakColumn(bool cuda) : IColumn
    {
        public string Id => cuda ? "MethodPeakCuda" : "MethodPeakMemory";
        public string ColumnName => cuda ? "Peak CUDA (MiB)" : "Peak RSS (MiB)";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => cuda ? 1 : 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => cuda
            ? "Peak bytes held by CUDA tensors during an iteration (torch.cuda.max_memory_allocated after a reset), in MiB; NA on cpu"
            : "Peak resident set during an iteration (VmHWM after a clear_refs reset before it), in MiB";
        public bool IsAvailable(Summary summary) => !cuda || summary.BenchmarksCases.Any(c => c.Parameters["Device"]?.ToString() == "cuda");
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            string Parameter(string name) => benchmarkCase.Parameters[name]?.ToString() ?? ProfileSetting;
            var key = PeakKey(Parameter("Method"), Parameter("Device"), Parameter("Backbone"), Parameter("ImageSize"),
                benchmarkCase.Descriptor.WorkloadMethod.Name);
            if (PeakMemory.Load(key) is not { } r) return "NA";
            var kib = cuda ? r.CudaPeakKiB : r.PeakKiB;
            return kib is { } k ? (k / 1024.0).ToString("F0", CultureInfo.InvariantCulture) : "NA";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }
}
