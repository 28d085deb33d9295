using AnomalyBench.Datasets;
using AnomalyBench.Torch;
using BenchmarkDotNet.Attributes;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// Loader throughput: one epoch over 32 PNG images of 512x512 (a synthetic washer category,
/// generated once into the synthetic cache) through PatchCore's pre-processing (shorter side to
/// 256, centre crop 224, ImageNet normalisation) in batches of 8 on the CPU. The mean is per
/// image (OperationsPerInvoke), so images/s = 1 s / Mean. Scenarios: decoding on the consumer's
/// thread, on one worker, on one worker per core, and an epoch served from the in-memory cache.
/// </summary>
[MemoryDiagnoser]
public class DatasetBenchmarks
{
    private const int Images = 32;

    private static readonly Preprocessing s_patchCore = new(256, 224, ResizeMode.ShorterSide);

    private IReadOnlyList<Sample> _samples = null!;
    private DataLoader? _cached;

    public static IEnumerable<string> Scenarios => ["consumer thread", "1 worker", $"{Environment.ProcessorCount} workers", "cached"];

    [ParamsSource(nameof(Scenarios))]
    public string Scenario { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 512, TrainCount: Images, TestCount: 6, Categories: ["washer"]));
        _samples = MVTecLayoutReader.Synthetic(root).Read("washer").Train;
        if (Scenario == "cached")
        {
            _cached = new DataLoader(_samples, s_patchCore, Device.CPU, new LoaderOptions(BatchSize: 8, Cache: true));
            Drain(_cached);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _cached?.Dispose();

    [Benchmark(OperationsPerInvoke = Images)]
    public int Epoch()
    {
        if (_cached is not null) return Drain(_cached);
        var workers = Scenario switch
        {
            "consumer thread" => 0,
            "1 worker" => 1,
            _ => Environment.ProcessorCount,
        };
        using var loader = new DataLoader(_samples, s_patchCore, Device.CPU, new LoaderOptions(BatchSize: 8, Workers: workers));
        return Drain(loader);
    }

    private static int Drain(DataLoader loader)
    {
        var n = 0;
        foreach (var batch in loader) n += batch.Count;
        if (n != Images) throw new InvalidOperationException($"expected {Images} images, got {n}");
        return n;
    }
}
