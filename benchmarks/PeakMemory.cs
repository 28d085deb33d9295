using System.Globalization;
using AnomalyBench.Torch;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// Peak native memory of the benchmark process on Linux: writing "5" to /proc/self/clear_refs resets
/// VmHWM (the peak resident set) to the current resident set; VmHWM read later is the peak since then.
/// BenchmarkDotNet measures in a child process, so the figures go through a file under
/// results/benchmarks/ to the columns that print them in the host process.
/// </summary>
internal sealed class PeakMemory(string key)
{
    private long _baselineKiB;

    private static string FileFor(string key) => Path.Combine(Program.ResultsDirectory(), "peak-memory", key + ".txt");

    /// <summary>Resets VmHWM and remembers the resident set at this point (silently does nothing off Linux).</summary>
    public void Reset()
    {
        ProcessMemory.ResetPeak();
        _baselineKiB = (ProcessMemory.ResidentBytes() ?? 0) / 1024;
    }

    /// <summary>Writes "peakKiB baselineKiB" under this measurement's key and logs it.</summary>
    public void Save()
    {
        var peak = (ProcessMemory.PeakBytes() ?? 0) / 1024;
        if (peak <= 0) return;
        var path = FileFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"{peak} {_baselineKiB}");
        Console.WriteLine($"// peak native memory ({key}): VmHWM {peak / 1024.0:F0} MiB, resident before the runs {_baselineKiB / 1024.0:F0} MiB");
    }

    public static (long PeakKiB, long BaselineKiB)? Load(string key)
    {
        var path = FileFor(key);
        if (!File.Exists(path)) return null;
        var parts = File.ReadAllText(path).Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
