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
/// 8-image category: <c>Fit</c> (the whole fit), <c>Preprocess16</c> (decoding, resizing and normalising 16 test
/// images: the loader's share of prediction), and <c>PredictBatch1</c> / <c>PredictBatch16</c> (the method's
/// Predict on pre-processed images, model and its post-processing, CUDA synchronised; time per image). Peak native
/// memory per case comes from VmHWM reset through /proc/self/clear_refs before every iteration. The per-method
/// suites (CfaBenchmarks, ReConPatchBenchmarks, ...) measure the paper settings step by step.
/// </summary>
[Config(typeof(Columns))]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class MethodBenchmarks
{
    private const int TrainImages = 8;
    private const int TestImages = 16;

    private IAnomalyMethod _method = null!;
    private DatasetCategory _data = null!;
    private Tensor _batch16 = null!;
    private Tensor _batch1 = null!;
    private Device _device;
    private string _weightsFolder = "";
    private PeakMemory _memory = null!;

    public static IEnumerable<string> Methods() => MethodRegistry.Default.Keys;

    public static IEnumerable<string> Devices() => torch.cuda.is_available() ? ["cpu", "cuda"] : ["cpu"];

    [ParamsSource(nameof(Methods))]
    public string Method { get; set; } = "patchcore";

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [GlobalSetup]
    public void Setup()
    {
        _device = AnomalyBench.Torch.Device.Parse(Device);
        var info = MethodRegistry.Default.Get(Method);
        var options = info.Defaults(Profile.Quick);
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 128, TrainCount: TrainImages, TestCount: TestImages, Categories: ["wood"]));
        _data = MVTecLayoutReader.Synthetic(root).Read("wood");
        // An empty weights store: `auto` falls back to seeded random weights; the cost does not depend on them.
        _weightsFolder = Path.Combine(Path.GetTempPath(), $"anomalybench-method-bench-{Guid.NewGuid():N}");
        _method = info.Create(options);
        _method.Fit(_data.Train, Context());
        _batch16 = Images(_data.Test, TestImages);
        _batch1 = Images(_data.Test, 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch1.Dispose();
        _batch16.Dispose();
        _method.Dispose();
        if (Directory.Exists(_weightsFolder)) Directory.Delete(_weightsFolder, recursive: true);
    }

    // clear_refs before every iteration of each benchmark, keyed by the benchmark, so the column shows its own peak.
    [IterationSetup(Target = nameof(Fit))]
    public void BeforeFit() => Begin(nameof(Fit));

    [IterationSetup(Target = nameof(Preprocess16))]
    public void BeforePreprocess16() => Begin(nameof(Preprocess16));

    [IterationSetup(Target = nameof(PredictBatch1))]
    public void BeforePredictBatch1() => Begin(nameof(PredictBatch1));

    [IterationSetup(Target = nameof(PredictBatch16))]
    public void BeforePredictBatch16() => Begin(nameof(PredictBatch16));

    [IterationCleanup]
    public void SavePeak() => _memory.Save();

    private void Begin(string benchmark)
    {
        _memory = new PeakMemory(PeakKey(Method, Device, benchmark));
        _memory.Reset();
    }

    /// <summary>The whole Fit at the quick profile on 8 images.</summary>
    [Benchmark]
    public void Fit()
    {
        var info = MethodRegistry.Default.Get(Method);
        using var method = info.Create(info.Defaults(Profile.Quick));
        method.Fit(_data.Train, Context());
        Synchronize();
    }

    /// <summary>Loading and pre-processing 16 test images (time per image).</summary>
    [Benchmark(OperationsPerInvoke = TestImages)]
    public void Preprocess16()
    {
        using var images = Images(_data.Test, TestImages);
    }

    /// <summary>Predict one image at a time (time per image).</summary>
    [Benchmark]
    public void PredictBatch1()
    {
        using var prediction = _method.Predict(_batch1);
        Synchronize();
    }

    /// <summary>Predict a batch of 16 (time per image).</summary>
    [Benchmark(OperationsPerInvoke = TestImages)]
    public void PredictBatch16()
    {
        using var prediction = _method.Predict(_batch16);
        Synchronize();
    }

    private FitContext Context() => new(_device, 0, new WeightsStore(_weightsFolder), NullTrainingLog.Instance);

    private Tensor Images(IReadOnlyList<Sample> samples, int count)
    {
        using var loader = new DataLoader(samples.Take(count).ToList(), _method.Options.Preprocessing, _device, new LoaderOptions(BatchSize: count));
        foreach (var batch in loader) return batch.Images.clone();
        throw new InvalidOperationException("no test images");
    }

    private void Synchronize()
    {
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    internal static string PeakKey(string method, string device, string benchmark) => $"method-{method}-{device}-{benchmark}";

    private sealed class Columns : ManualConfig
    {
        public Columns() => AddColumn(new PeakColumn());
    }

    /// <summary>The peak resident set of the case's last iteration, in MiB.</summary>
    private sealed class PeakColumn : IColumn
    {
        public string Id => "MethodPeakMemory";
        public string ColumnName => "Peak RSS (MiB)";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Peak resident set during an iteration (VmHWM after a clear_refs reset before it), in MiB";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var key = PeakKey(benchmarkCase.Parameters["Method"]?.ToString() ?? "", benchmarkCase.Parameters["Device"]?.ToString() ?? "cpu",
                benchmarkCase.Descriptor.WorkloadMethod.Name);
            return PeakMemory.Load(key) is { } r ? (r.PeakKiB / 1024.0).ToString("F0", CultureInfo.InvariantCulture) : "NA";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }
}
