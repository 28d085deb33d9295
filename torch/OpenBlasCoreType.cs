using System.Runtime.Intrinsics.X86;

namespace AnomalyBench.Torch;

/// <summary>
/// The kernels OpenBLAS runs, and the ones this CPU's instruction sets allow (<c>OPENBLAS_CORETYPE</c>). A
/// DYNAMIC_ARCH OpenBLAS (Debian's) picks its kernels from a table of Intel family-6 model numbers and falls back to
/// its oldest, SSE3-only kernels (Prescott) for every model newer than its release: Debian 12's OpenBLAS 0.3.21 does
/// so on this project's Xeon (model 207, Emerald Rapids, AVX-512 with BF16), where a 3136 × 448 by 448 × 6272 product
/// takes 380 ms with the Prescott kernels and 84 ms with the Cooperlake ones (benchmarks/README.md).
/// <para>
/// The harness does not choose by default: other kernels round matrix products differently, as a run on another CPU
/// does, and a default that moved everyone's results (the quickstart's metrics by up to 0.094, FYD on 20 test images;
/// PatchCore's scores by a few 1e-6 relative, tests/Harness/OpenBlasCoreTypeTests.cs) would break the comparison with
/// every earlier run. It says instead, in <c>harness info</c> and at the start of a sweep, what would run this CPU's
/// kernels (<see cref="Advice"/>), and <c>ANOMALYBENCH_BLAS_KERNELS=cpu</c> asks it to set <c>OPENBLAS_CORETYPE</c>
/// from the instruction sets, on whatever CPU the process lands (a core name in a shared job script would fail on an
/// older node). manifest.json records what ran.
/// </para>
/// </summary>
public static class OpenBlasCoreType
{
    /// <summary>OpenBLAS's own variable, read once when it loads.</summary>
    public const string Variable = "OPENBLAS_CORETYPE";

    /// <summary>The harness's choice: <see cref="OpenBlasChoice"/> (the default) or <see cref="CpuChoice"/>.</summary>
    public const string ChoiceVariable = "ANOMALYBENCH_BLAS_KERNELS";

    public const string OpenBlasChoice = "openblas";

    public const string CpuChoice = "cpu";

    /// <summary>The core type the harness set (<see cref="CpuChoice"/>), or null.</summary>
    public static string? SetByHarness { get; private set; }

    /// <summary>Why the engine cannot start (an invalid <see cref="ChoiceVariable"/>), or null.</summary>
    public static string? Error { get; private set; }

    /// <summary>Sets <see cref="Variable"/> when the user asked for this CPU's kernels and did not name a core; before OpenBLAS loads.</summary>
    internal static void Apply()
    {
        var choice = Environment.GetEnvironmentVariable(ChoiceVariable);
        if (string.IsNullOrEmpty(choice) || choice == OpenBlasChoice) return;
        if (choice != CpuChoice)
        {
            Error = $"{ChoiceVariable}='{choice}' is not '{OpenBlasChoice}' (OpenBLAS's own kernels, the default) or '{CpuChoice}' (the kernels of this CPU's instruction sets); unset it or choose one of those";
            return;
        }
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) return;
        if (ForThisCpu() is { } core && NativeEnvironment.Set(Variable, core)) SetByHarness = core;
    }

    /// <summary>
    /// OpenBLAS's core types from its oldest kernels upwards, as far as <see cref="ForThisCpu"/> goes: a core earlier
    /// in the list than the recommended one runs older instruction sets than the CPU has.
    /// </summary>
    private static readonly string[] s_ladder = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "SandyBridge", "Haswell", "SkylakeX", "Cooperlake"];

    /// <summary>
    /// The core whose kernels match this CPU's instruction sets, on Intel CPUs; null to leave it to OpenBLAS (AMD CPUs,
    /// which it recognises by family, not model; CPUs without AVX).
    /// </summary>
    public static string? ForThisCpu()
    {
        if (!X86Base.IsSupported || !IsIntel()) return null;
        // Cooperlake: SkylakeX's AVX-512 kernels plus BF16; OpenBLAS 0.3.21's fastest single-precision GEMM here
        // (SapphireRapids, its AMX target, measured 104 ms against Cooperlake's 84).
        if (HasSkylakeXAvx512() && HasAvx512Bf16()) return "Cooperlake";
        if (HasSkylakeXAvx512()) return "SkylakeX";
        if (Avx2.IsSupported && Fma.IsSupported) return "Haswell";
        if (Avx.IsSupported) return "SandyBridge";
        return null;
    }

    /// <summary>
    /// What to tell the user when OpenBLAS runs older kernels than the CPU allows and the user has not chosen (null
    /// otherwise): the value that runs this CPU's kernels, and what changes with it.
    /// </summary>
    /// <param name="running">the core OpenBLAS reports (<c>openblas_get_corename</c>).</param>
    public static string? Advice(string running) =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)) ? Recommendation(running) : null;

    /// <summary><see cref="Advice"/> whatever the environment says: null where OpenBLAS runs this CPU's kernels already.</summary>
    public static string? Recommendation(string running)
    {
        if (ForThisCpu() is not { } better) return null;
        var now = Array.FindIndex(s_ladder, core => core.Equals(running, StringComparison.OrdinalIgnoreCase));
        if (now < 0 || now >= Array.IndexOf(s_ladder, better)) return null;
        return $"OpenBLAS runs its {running} kernels on this CPU, older than its instruction sets (OpenBLAS picks kernels from a table of CPU models "
             + $"and falls back on models newer than itself); {ChoiceVariable}={CpuChoice} (here {Variable}={better}) runs kernels of its instruction sets (matrix products up to 4.5 times "
             + "faster on this project's Xeon), and other kernels round differently, as another CPU does: results then differ from this setting's in the last digits, "
             + "and trained methods' metrics a little more";
    }

    private static bool HasSkylakeXAvx512() =>
        Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512CD.IsSupported && Avx512F.VL.IsSupported;

    // CPUID leaf 7, sub-leaf 1, EAX bit 5: AVX512_BF16 (.NET exposes no IsSupported for it).
    private static bool HasAvx512Bf16() => X86Base.CpuId(0, 0).Eax >= 7 && (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0;

    private static bool IsIntel()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        // The vendor string is EBX, EDX, ECX: "Genu" "ineI" "ntel".
        return ebx == 0x756E6547 && edx == 0x49656E69 && ecx == 0x6C65746E;
    }
}
