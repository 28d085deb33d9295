using AnomalyBench.Torch;
using AnomalyBench.Torch.Native;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// The cost of the bridge: the same work through C# (one dispatcher call per op,
/// a managed Tensor per result, disposed) and as direct at:: calls in a C++ loop
/// inside the shim (the baseline). The Ratio column is the bridge's overhead factor:
/// large for a tiny op (pure per-call cost), ~1 for a real convolution.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BridgeOverheadBenchmarks
{
    private const int TinyCalls = 10_000;

    private Tensor _a = null!;
    private Tensor _b = null!;
    private Tensor _input = null!;
    private Tensor _weight = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.manual_seed(0);
        _a = torch.randn(16);
        _b = torch.randn(16);
        // The spike's measurement: a 3x3 convolution on a ResNet layer-1-sized activation.
        _input = torch.randn(8, 256, 56, 56);
        _weight = torch.randn(256, 256, 3, 3);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _input.Dispose();
        _weight.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TinyCalls)]
    [BenchmarkCategory("add [16]")]
    public void AddNativeLoop() =>
        NativeMethods.Check(NativeMethods.abt_bench_native_loop("add", _a.NativeHandle, _b.NativeHandle, TinyCalls), "bench");

    [Benchmark(OperationsPerInvoke = TinyCalls)]
    [BenchmarkCategory("add [16]")]
    public void AddBridge()
    {
        for (var k = 0; k < TinyCalls; k++)
        {
            using var r = _a.add(_b);
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("conv2d 3x3 [8,256,56,56]")]
    public void Conv2dNativeLoop() =>
        NativeMethods.Check(NativeMethods.abt_bench_native_loop("conv2d", _input.NativeHandle, _weight.NativeHandle, 1), "bench");

    [Benchmark]
    [BenchmarkCategory("conv2d 3x3 [8,256,56,56]")]
    public void Conv2dBridge()
    {
        using var r = F.conv2d(_input, _weight, padding: 1);
    }
}
