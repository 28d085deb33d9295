namespace AnomalyBench.Torch;

/// <summary>
/// Bounds how long idle OpenMP threads spin before they sleep (<c>GOMP_SPINCOUNT=10000</c>) unless the user chose.
/// libgomp's default keeps every idle team thread spinning for 300,000 iterations after each parallel region. On
/// this project's 2-core machine that steals the cores as soon as anything else wants them: OpenBLAS's own threads
/// (unless they are OpenMP's too: <see cref="OpenBlasThreading"/>), a second shard of the sweep, another user's job;
/// a 0.5 s training step took 6–12 s beside one other job (issue 23). Never spinning (<c>OMP_WAIT_POLICY=PASSIVE</c>)
/// fixes that but pays a sleep and a wake-up between every two parallel regions: the quickstart took 110 s against
/// 87 s with the default on a quiet machine. A short spin keeps a thread awake across the microseconds between one
/// op and the next and lets it sleep when there is nothing to do: 82 s quiet, its two shards at once in 71 s
/// (benchmarks/README.md, "Speed against the official code, and under load").
/// libgomp reads its environment once, in the constructor that runs when libtorch loads it, and through the C
/// library's <c>getenv</c>: .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> only changes the
/// runtime's own copy on Linux, so the variable is written with libc's <c>setenv</c> (<see cref="NativeEnvironment"/>),
/// from <see cref="NativeStartup"/>, before the first call into the native shim.
/// </summary>
public static class OpenMpWaitPolicy
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

    /// <summary>Sets the default in the native environment; runs from <see cref="NativeStartup"/>.</summary>
    internal static void Apply()
    {
        var policy = Environment.GetEnvironmentVariable(PolicyVariable);
        var spin = Environment.GetEnvironmentVariable(SpinCountVariable);
        if (!string.IsNullOrEmpty(policy) || !string.IsNullOrEmpty(spin))
        {
            Effective = !string.IsNullOrEmpty(policy) ? policy : $"{SpinCountVariable}={spin}";
            return;
        }
        if (!NativeEnvironment.Set(SpinCountVariable, DefaultSpinCount)) return;
        Effective = $"{SpinCountVariable}={DefaultSpinCount}";
        SetByHarness = true;
    }
}
