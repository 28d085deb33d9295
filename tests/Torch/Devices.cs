using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch;

/// <summary>
/// Fixture parameters for every device: the same test source runs on CPU always and on
/// CUDA when a GPU and a CUDA libtorch are present (skipped with the reason otherwise).
/// Use as <c>[TestFixtureSource(typeof(Devices), nameof(Devices.All))]</c> with a <c>Device</c> constructor parameter.
/// </summary>
public static class Devices
{
    public static IEnumerable<TestFixtureData> All()
    {
        yield return new TestFixtureData(Device.CPU).SetArgDisplayNames("cpu");
        var cuda = new TestFixtureData(Device.CUDA(0)).SetArgDisplayNames("cuda");
        if (!torch.cuda.is_available()) cuda.Ignore("no CUDA device (no GPU, or a CPU-only libtorch)");
        yield return cuda;
    }
}
