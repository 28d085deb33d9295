using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch;

/// <summary>The peak-memory readings that metrics.json and the benchmarks report.</summary>
[NonParallelizable]
public class MemoryTests
{
    [Test]
    public void ThePeakResidentSetSeesATensorAndResetsBelowIt()
    {
        Assume.That(File.Exists("/proc/self/status"), "Linux only");
        Assume.That(ProcessMemory.ResetPeak(), "the kernel does not allow resetting VmHWM here");
        var before = ProcessMemory.PeakBytes()!.Value;
        const long bytes = 256L << 20;
        using (var big = torch.ones([bytes / 4]))
        {
            Assert.That(ProcessMemory.PeakBytes(), Is.GreaterThanOrEqualTo(before + bytes * 9 / 10), "256 MiB of ones are resident");
        }
        ProcessMemory.ResetPeak();
        Assert.That(ProcessMemory.PeakBytes(), Is.LessThan(before + bytes / 2), "freed and reset: the peak starts again from the resident set");
        Assert.That(ProcessMemory.ResidentBytes(), Is.LessThanOrEqualTo(ProcessMemory.PeakBytes()!.Value));
    }

    [Test]
    public void CudaPeakMemoryIsNullWithoutCudaAndCountsATensorWithIt()
    {
        if (!torch.cuda.is_available())
        {
            // Debian's libtorch has no CUDA: the bridge says "not measurable" instead of a made-up 0.
            if (torch.cuda.max_memory_allocated() is null) Assert.Pass("CPU-only libtorch: no CUDA peak");
            Assert.Ignore("a CUDA libtorch without a GPU");
        }
        torch.cuda.reset_peak_memory_stats();
        using (var t = torch.ones([64L << 20], device: Device.CUDA()))
            Assert.That(torch.cuda.max_memory_allocated(), Is.GreaterThanOrEqualTo(256L << 20));
        torch.cuda.reset_peak_memory_stats();
        Assert.That(torch.cuda.max_memory_allocated(), Is.LessThan(256L << 20));
    }
}
