using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Runs;

/// <summary>Peak memory of one phase: the process's peak resident set (CPU tensors live there) and libtorch's peak CUDA allocation; null where not measurable.</summary>
public sealed record PhaseMemory(long? PeakResidentBytes, long? PeakCudaBytes);

/// <summary>Peak memory of a run's fit and predict phases, as metrics.json records them.</summary>
public sealed record RunMemory(PhaseMemory Fit, PhaseMemory Predict);

/// <summary>
/// Measures a phase's peak memory: resets the resident-set peak (/proc/self/clear_refs) and, on CUDA, the caching
/// allocator's peak at <see cref="Start"/>, and reads both at <see cref="Stop"/>. The resident peak includes what
/// the process held before the phase (the .NET runtime, loaded data), which is why it is reported as a peak, not
/// as the phase's own allocation.
/// </summary>
internal sealed class MemoryMeter
{
    private readonly Device _device;

    private MemoryMeter(Device device) => _device = device;

    public static MemoryMeter Start(Device device)
    {
        ProcessMemory.ResetPeak();
        if (device.Type == DeviceType.CUDA) torch.cuda.reset_peak_memory_stats(Math.Max(device.Index, 0));
        return new MemoryMeter(device);
    }

    public PhaseMemory Stop() =>
        new(ProcessMemory.PeakBytes(), _device.Type == DeviceType.CUDA ? torch.cuda.max_memory_allocated(Math.Max(_device.Index, 0)) : null);
}
