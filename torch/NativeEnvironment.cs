using System.Runtime.InteropServices;

namespace AnomalyBench.Torch;

/// <summary>
/// Writes variables that native libraries read with the C library's <c>getenv</c> when they load (libgomp, OpenBLAS).
/// .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> only changes the runtime's own copy on
/// Linux, so the value goes through libc's <c>setenv</c> too; the managed copy reaches the processes the harness starts.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> for native code and child processes; false when libc refused.</summary>
    public static bool Set(string name, string value)
    {
        if (OperatingSystem.IsWindows()) return false;
        if (setenv(name, value, 1) != 0) return false;
        Environment.SetEnvironmentVariable(name, value);
        return true;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
