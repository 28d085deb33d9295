using System.Runtime.InteropServices;

namespace AnomalyBench.Torch;

/// <summary>
/// Runs OpenBLAS on libgomp's threads instead of a thread pool of its own. Debian's libtorch calls OpenBLAS through
/// the <c>libblas.so.3</c> / <c>libopenblas.so.0</c> alternatives, which default to libopenblas0-pthread: every GEMM
/// (CFA's distances, linear layers, the convolutions oneDNN leaves to BLAS) then runs on OpenBLAS's own pthreads, whose
/// idle threads yield-spin for up to 2^28 cycles after each call, beside libtorch's OpenMP team. Alone, the two pools
/// take turns; as soon as anything else runs (the other shard of a sweep, a busy neighbour) the spinning pool steals
/// the cores from the working one and single training steps take 2–4 × their run's median (issue 23). Debian's
/// libopenblas0-openmp is the same OpenBLAS built on OpenMP: one team, one wait policy (<see cref="OpenMpWaitPolicy"/>),
/// one thread count (<c>ANOMALYBENCH_THREADS</c> now bounds BLAS too). Its results are bit-identical (every quickstart
/// score file compared; tests/Harness/OpenBlasThreadingTests.cs compares a run's scores under both).
/// <para>
/// The library is loaded by path before the native shim, and so before libtorch: the dynamic linker then resolves
/// libtorch's <c>libopenblas.so.0</c>, <c>libblas.so.3</c> and <c>liblapack.so.3</c> to the loaded objects by their
/// sonames instead of following the system's alternatives, for this process only. It is loaded locally
/// (<see cref="NativeLibrary.Load(string)"/>), so a libtorch built on MKL (PyTorch's CUDA builds) never sees its
/// symbols. <c>ANOMALYBENCH_OPENBLAS=system</c> keeps the system's choice, <c>=pthread</c> loads the pthreads build.
/// </para>
/// </summary>
public static class OpenBlasThreading
{
    /// <summary>The variable that chooses: <see cref="OpenMp"/> (the default), <see cref="Pthread"/> or <see cref="SystemChoice"/>.</summary>
    public const string ChoiceVariable = "ANOMALYBENCH_OPENBLAS";

    /// <summary>Load Debian's OpenMP build of OpenBLAS ahead of libtorch where it is installed.</summary>
    public const string OpenMp = "openmp";

    /// <summary>Load Debian's pthreads build (its own thread pool): the system default, for comparisons.</summary>
    public const string Pthread = "pthread";

    /// <summary>Leave the choice to the system's <c>libblas.so.3</c> alternative.</summary>
    public const string SystemChoice = "system";

    /// <summary>The Debian package that holds the OpenMP build.</summary>
    public const string Package = "libopenblas0-openmp";

    // libopenblas.so.0 first: the other two need it and must find this one, not the alternative's.
    private static readonly string[] s_libraries = ["libopenblas.so.0", "libblas.so.3", "liblapack.so.3"];

    /// <summary>The folder the OpenBLAS build was loaded from, or null when the system's runs.</summary>
    public static string? LoadedFrom { get; private set; }

    /// <summary>Why no build was loaded (null when one was).</summary>
    public static string? NotLoadedBecause { get; private set; }

    /// <summary>The error to report on the engine's first use (null when there is none).</summary>
    internal static string? Error { get; private set; }

    /// <summary>Debian's folder for a build (<c>openmp</c>, <c>pthread</c>) on this architecture; null off Linux or on an unknown one.</summary>
    public static string? DebianFolder(string build) => RuntimeInformation.ProcessArchitecture switch
    {
        _ when !OperatingSystem.IsLinux() => null,
        Architecture.X64 => $"/usr/lib/x86_64-linux-gnu/openblas-{build}",
        Architecture.Arm64 => $"/usr/lib/aarch64-linux-gnu/openblas-{build}",
        _ => null,
    };

    /// <summary>Loads the chosen build; must run before the shim loads.</summary>
    internal static void Load()
    {
        // A module initializer must not throw (the type load would fail with an unreadable error): the engine
        // reports a bad choice on its first use.
        var choice = Environment.GetEnvironmentVariable(ChoiceVariable);
        var chosen = !string.IsNullOrEmpty(choice);
        if (chosen && choice is not (OpenMp or Pthread or SystemChoice))
        {
            NotLoadedBecause = $"{ChoiceVariable}={choice}";
            Error = $"{ChoiceVariable}='{choice}' is not '{OpenMp}', '{Pthread}' or '{SystemChoice}'; unset it or choose one of those";
            return;
        }
        if (choice == SystemChoice)
        {
            NotLoadedBecause = $"{ChoiceVariable}={SystemChoice}";
            return;
        }
        var build = chosen ? choice! : OpenMp;
        var folder = DebianFolder(build);
        if (folder is null || !File.Exists(Path.Combine(folder, s_libraries[0])))
        {
            NotLoadedBecause = $"libopenblas0-{build} is not installed";
            if (chosen) Error = $"{ChoiceVariable}={build}, but {folder ?? $"Debian's openblas-{build} folder"} has no {s_libraries[0]}: apt-get install libopenblas0-{build}";
            return;
        }
        foreach (var library in s_libraries)
        {
            var path = Path.Combine(folder, library);
            if (!File.Exists(path)) continue;
            if (!NativeLibrary.TryLoad(path, out _))
            {
                // What loaded so far stays (a handle cannot be unloaded safely); the sonames still point libtorch at it.
                NotLoadedBecause = $"{path} failed to load";
                return;
            }
        }
        LoadedFrom = folder;
    }

    /// <summary>
    /// What OpenBLAS reports of itself (<c>openblas_get_config</c>, <c>openblas_get_parallel</c>,
    /// <c>openblas_get_corename</c>) for the library that provides libtorch's <c>sgemm_</c>; null when that is not OpenBLAS.
    /// </summary>
    public static unsafe OpenBlasDescription? Describe(string blasLibrary)
    {
        if (!blasLibrary.StartsWith('/') || !NativeLibrary.TryLoad(blasLibrary, out var handle)) return null;
        if (!NativeLibrary.TryGetExport(handle, "openblas_get_config", out var config)
            || !NativeLibrary.TryGetExport(handle, "openblas_get_parallel", out var parallel)
            || !NativeLibrary.TryGetExport(handle, "openblas_get_corename", out var corename))
            return null;
        var threading = ((delegate* unmanaged<int>)parallel)() switch
        {
            0 => "sequential",
            1 => "pthreads (a thread pool of its own)",
            2 => "OpenMP (libtorch's threads)",
            var other => $"threading model {other}",
        };
        return new OpenBlasDescription(
            (Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)config)()) ?? "OpenBLAS").Trim(),
            threading,
            Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)corename)()) ?? "unknown");
    }
}

/// <summary>What OpenBLAS says of itself: its build configuration, how it runs threads and the kernels it chose.</summary>
public sealed record OpenBlasDescription(string Config, string Threading, string Core);
