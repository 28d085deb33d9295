using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AnomalyBench.Torch;

/// <summary>
/// Makes idle OpenMP threads sleep instead of spin (<c>OMP_WAIT_POLICY=PASSIVE</c>) unless the user chose a policy.
/// libgomp's default keeps every idle team thread spinning for about 300,000 iterations after each parallel region.
/// On a quiet machine that only burns a core nobody wants; as soon as anything else runs on the same cores (a second
/// shard of the sweep, the data loader's threads, another user's job) the spinning threads take the CPU from the threads
/// doing the work, and a training step of 0.5 s took 6–12 s (measured, issue 23; with PASSIVE 0.3–0.6 s).
/// libgomp reads its environment once, in the constructor that runs when libtorch loads it, and through the C
/// library's <c>getenv</c>: .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> only changes the
/// runtime's own copy on Linux, so the variable is written with libc's <c>setenv</c>, from this assembly's module
/// initializer, which runs before any code of the assembly and so before the first call into the native shim.
/// </summary>
public static partial class OpenMpWaitPolicy
{
    /// <summary>libgomp's wait-policy variable; a value the user set is kept.</summary>
    public const string PolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's spin count; when the user set it, the policy is left to it.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The policy the process runs with: what the user set, or PASSIVE set here.</summary>
    public static string Effective { get; private set; } = "";

    /// <summary>True when the harness chose the policy (the user set neither variable).</summary>
    public static bool SetByHarness { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "libgomp reads its environment when the native shim first loads; only a module initializer is guaranteed to run before that.")]
    internal static void Apply()
    {
        var policy = Environment.GetEnvironmentVariable(PolicyVariable);
        var spin = Environment.GetEnvironmentVariable(SpinCountVariable);
        if (!string.IsNullOrEmpty(policy) || !string.IsNullOrEmpty(spin))
        {
            Effective = !string.IsNullOrEmpty(policy) ? policy : $"{SpinCountVariable}={spin}";
            return;
        }
        if (OperatingSystem.IsWindows()) return;
        // The native environment (libgomp) and the managed copy (child processes the harness starts).
        if (setenv(PolicyVariable, "PASSIVE", 0) != 0) return;
        Environment.SetEnvironmentVariable(PolicyVariable, "PASSIVE");
        Effective = "PASSIVE";
        SetByHarness = true;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
