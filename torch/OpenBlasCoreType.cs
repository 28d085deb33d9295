using System.Runtime.Intrinsics.X86;

namespace AnomalyBench.Torch;

/// <summary>
/// Chooses OpenBLAS's kernels from the CPU's instruction sets on Intel CPUs (<c>OPENBLAS_CORETYPE</c>) unless the user
/// set it. A DYNAMIC_ARCH OpenBLAS (Debian's) picks its kernels from a table of Intel family-6 model numbers and falls
/// back to its oldest, SSE3-only kernels (Prescott) for every model newer than its release: Debian 12's OpenBLAS 0.3.21
/// does so on this project's Xeon (model 207, Emerald Rapids, AVX-512 with BF16), where a 3136 × 448 by 448 × 6272
/// product takes 380 ms with the Prescott kernels and 84 ms with the Cooperlake ones (benchmarks/README.md). The
/// choice below depends on the instruction sets alone, so on a model the table knows it picks kernels of the same
/// instruction sets as OpenBLAS would (on Sapphire Rapids, Cooperlake's rather than OpenBLAS's AMX-era target, which
/// was slower here for single precision). AMD CPUs are left to OpenBLAS, which recognises them by family, not model.
/// <para>
/// The kernels change the rounding of matrix products, as a run on another CPU does: PatchCore's scores agree with
/// the Prescott kernels' to a few 1e-6 relative (tests/Harness/OpenBlasCoreTypeTests.cs); a trained method carries
/// such differences through its steps, as on another CPU (the quickstart's metrics moved by up to 0.094, FYD on 20
/// test images; benchmarks/README.md). <c>OPENBLAS_CORETYPE=Prescott</c> restores the old
/// kernels, any other OpenBLAS core name forces that one.
/// </para>
/// </summary>
public static class OpenBlasCoreType
{
    /// <summary>OpenBLAS's own variable, read once when it loads.</summary>
    public const string Variable = "OPENBLAS_CORETYPE";

    /// <summary>The core type the harness set, or null when it left the choice to OpenBLAS or to the user.</summary>
    public static string? SetByHarness { get; private set; }

    /// <summary>The core OpenBLAS should use on this CPU, from its instruction sets; null to leave it to OpenBLAS.</summary>
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

    /// <summary>Sets <see cref="Variable"/> for this process unless the user did; must run before OpenBLAS loads.</summary>
    internal static void Apply()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) return;
        var core = ForThisCpu();
        if (core is not null && NativeEnvironment.Set(Variable, core)) SetByHarness = core;
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
