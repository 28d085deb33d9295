using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AnomalyBench.Torch;

/// <summary>
/// Bounds how long idle OpenMP threads spin before they sleep (<c>GOMP_SPINCOUNT=10000</c>) unless the user chose.
/// libgomp's default keeps every idle team thread spinning for 300,000 iterations after each parallel region. On
/// this project's 2-core machine that steals the cores as soon as anything else wants them: OpenBLAS's own threads
/// (Debian's libopenblas0-pthread runs GEMMs on a pool of its own), a second shard of the sweep, another user's job;
/// a 0.5 s training step took 6–12 s beside one other job (issue 23). Never spinning (<c>OMP_WAIT_POLICY=PASSIVE</c>)
/// fixes that but pays a sleep and a wake-up between every two parallel regions: the quickstart took 110 s against
/// 87 s with the default on a quiet machine. A short spin keeps a thread awake across the microseconds between one
/// op and the next and lets it sleep when there is nothing to do: 82 s quiet, its two shards at once in 71 s
/// (benchmarks/README.md, "Speed against the official code, and under load").
/// libgomp reads its environment once, in the constructor that runs when libtorch loads it, and through the C
/// library's <c>getenv</c>: .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> only changes the
/// runtime's own copy on Linux, so the variable is written with libc's <c>setenv</c>, from this assembly's module
/// initializer, which runs before any code of the assembly and so before the first call into the native shim.
/// </summary>
public static partial class OpenMpWaitPolicy
{
    /// <summary>libgomp's wait-policy variable; a value the user set is kept.</summary>
    public const string PolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's spin count (iterations an idle thread spins before it sleeps); a value the user set is kept.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The spin count the harness sets when the user set neither variable.</summary>
    public const string DefaultSpinCount = "10000";

    /// <summary>The policy the process runs with: what the user set, or the short spin set here.</summary>
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
        if (setenv(SpinCountVariable, DefaultSpinCount, 0) != 0) return;
        Environment.SetEnvironmentVariable(SpinCountVariable, DefaultSpinCount);
        Effective = $"{SpinCountVariable}={DefaultSpinCount}";
        SetByHarness = true;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
