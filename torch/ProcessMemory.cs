using System.Globalization;

namespace AnomalyBench.Torch;

/// <summary>
/// The process's resident memory on Linux, where libtorch's CPU tensors live: the current resident set (VmRSS) and
/// its peak (VmHWM). Writing "5" to /proc/self/clear_refs resets the peak to the current resident set (Linux 4.0+),
/// so a phase's peak is measured by <see cref="ResetPeak"/> before it and <see cref="PeakBytes"/> after it.
/// Off Linux every value is null.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Resets the peak; false where the kernel does not allow it (the peak then covers the whole process).</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The peak resident set since the last reset (or the process start), in bytes.</summary>
    public static long? PeakBytes() => Read("VmHWM");

    /// <summary>The resident set now, in bytes.</summary>
    public static long? ResidentBytes() => Read("VmRSS");

    /// <summary>A "VmXXX:   1234 kB" line of /proc/self/status in bytes; null when unavailable.</summary>
    private static long? Read(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
                var value = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(value, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
