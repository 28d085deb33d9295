using System.Globalization;
using AnomalyBench.Torch;

namespace AnomalyBench.Benchmarks;

/// <summary>What one measurement recorded, in KiB; <see cref="CudaPeakKiB"/> is null off CUDA.</summary>
internal readonly record struct PeakRecord(long PeakKiB, long BaselineKiB, long? CudaPeakKiB);

/// <summary>
/// Peak native memory of the benchmark process. Host: on Linux, writing "5" to /proc/self/clear_refs resets VmHWM (the
/// peak resident set) to the current resident set; VmHWM read later is the peak since then. CUDA (when
/// <paramref name="cuda"/>): libtorch's peak bytes held by tensors, reset with torch.cuda.reset_peak_memory_stats.
/// BenchmarkDotNet measures in a child process, so the figures go through a file under results/benchmarks/ to the
/// columns that print them in the host process.
/// </summary>
internal sealed class PeakMemory(string key, bool cuda = false)
{
    private long _baselineKiB;

    private static string FileFor(string key) => Path.Combine(Program.ResultsDirectory(), "peak-memory", key + ".txt");

    /// <summary>Resets the peaks and remembers the resident set at this point (the host part does nothing off Linux).</summary>
    public void Reset()
    {
        if (cuda)
        {
            torch.cuda.synchronize();
            torch.cuda.reset_peak_memory_stats();
        }
        ProcessMemory.ResetPeak();
        _baselineKiB = (ProcessMemory.ResidentBytes() ?? 0) / 1024;
    }

    /// <summary>Writes "peakKiB baselineKiB cudaPeakKiB" (−1: none) under this measurement's key and logs it.</summary>
    public void Save()
    {
        long? cudaPeak = null;
        if (cuda)
        {
            torch.cuda.synchronize();
            cudaPeak = torch.cuda.max_memory_allocated() / 1024;
        }
        var peak = (ProcessMemory.PeakBytes() ?? 0) / 1024;
        if (peak <= 0 && cudaPeak is null) return;
        var path = FileFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"{peak} {_baselineKiB} {cudaPeak ?? -1}"));
        var device = cudaPeak is { } c ? $", CUDA peak allocated {c / 1024.0:F0} MiB" : "";
        Console.WriteLine($"// peak native memory ({key}): VmHWM {peak / 1024.0:F0} MiB, resident before the runs {_baselineKiB / 1024.0:F0} MiB{device}");
    }

    public static PeakRecord? Load(string key)
    {
        var path = FileFor(key);
        if (!File.Exists(path)) return null;
        var parts = File.ReadAllText(path).Split(' ');
        long Part(int i) => long.Parse(parts[i], CultureInfo.InvariantCulture);
        long? cudaPeak = parts.Length > 2 && Part(2) >= 0 ? Part(2) : null;
        return new PeakRecord(Part(0), Part(1), cudaPeak);
    }
}
