using System.Globalization;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// PatchCore's and ReConPatch's feature extraction: a frozen Wide-ResNet-50-2, layer2 and layer3,
/// 224x224, batch 8, on the CPU and (when present) on CUDA. Throughput in images/s; peak native
/// memory as the process's peak resident set (VmHWM of /proc/self/status, reset through
/// /proc/self/clear_refs after the network is built), i.e. weights plus activations plus the runtime.
/// Random weights (seed 0): the benchmark machine has no weight file, and the cost does not depend on them.
/// GPU memory is not measured (the bridge has no CUDA memory statistics); the CUDA row's VmHWM is host memory.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Columns))]
public class BackboneBenchmarks
{
    public const int Batch = 8;
    public const int Size = 224;

    private FeatureExtractor _extractor = null!;
    private Tensor _input = null!;
    private Device _device;
    private PeakMemory _memory = null!;

    public static IEnumerable<string> Devices() => torch.cuda.is_available() ? ["cpu", "cuda"] : ["cpu"];

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [GlobalSetup]
    public void Setup()
    {
        _device = AnomalyBench.Torch.Device.Parse(Device);
        var store = WeightsStore.FromEnvironment();
        _extractor = new FeatureExtractor(store.Create("wide_resnet50_2", WeightsSource.Random(0)), ["layer2", "layer3"]).to(_device);
        torch.manual_seed(1);
        _input = torch.randn([Batch, 3, Size, Size], device: _device);
        _memory = new PeakMemory(Device, cuda: Device == "cuda");
        _memory.Reset();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.Save();
        _input.Dispose();
        _extractor.Dispose();
    }

    /// <summary>One batch; BenchmarkDotNet's time per operation is per image.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void WideResNet50Layer2And3()
    {
        using var maps = _extractor.call(_input);
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    private sealed class Columns : ManualConfig
    {
        public Columns()
        {
            AddColumn(new ImagesPerSecondColumn(), new PeakMemoryColumn("Peak RSS", baseline: false), new PeakMemoryColumn("RSS before runs", baseline: true));
        }
    }

    /// <summary>1 / (time per image).</summary>
    private sealed class ImagesPerSecondColumn : IColumn
    {
        public string Id => "ImagesPerSecond";
        public string ColumnName => "images/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Images per second (batch 8 of 224x224 divided by the mean time per batch)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            return stats is null || stats.Mean <= 0 ? "NA" : (1e9 / stats.Mean).ToString("F2", CultureInfo.InvariantCulture);
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }

    /// <summary>The peak (or starting) resident set the benchmark process recorded for its device.</summary>
    private sealed class PeakMemoryColumn(string name, bool baseline) : IColumn
    {
        public string Id => "PeakMemory" + (baseline ? "Baseline" : "");
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => baseline ? 2 : 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => baseline
            ? "Resident set after building the network and the input (weights, runtime), in MiB"
            : "Peak resident set while extracting (VmHWM after a clear_refs reset), in MiB";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var device = benchmarkCase.Parameters["Device"]?.ToString() ?? "cpu";
            var recorded = PeakMemory.Load(device);
            if (recorded is not { } r) return "NA";
            return ((baseline ? r.BaselineKiB : r.PeakKiB) / 1024.0).ToString("F0", CultureInfo.InvariantCulture);
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }
}
