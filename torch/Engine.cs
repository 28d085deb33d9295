using System.Runtime.InteropServices;
using System.Text;
using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch;

/// <summary>
/// Process-wide engine settings: the intra-op thread count and the one-time
/// BLAS check. Inside a .NET process libtorch started with ONE intra-op thread
/// (measured: a 3x3 conv at 73 vs 199 GFLOP/s on 2 cores), so the count is set
/// explicitly. OpenMP keeps the count per OS thread: libtorch copies its global
/// value to a thread on first use, but a thread that already ran keeps the old
/// one, so a changed count is re-applied on each thread at its next op.
/// </summary>
internal static class Engine
{
    private static readonly object s_gate = new();
    private static volatile bool s_initialized;
    private static int s_threads;
    private static int s_threadsVersion;
    [ThreadStatic] private static int t_threadsVersion;
    [ThreadStatic] private static int t_ownThreads;

    /// <summary>The environment variable that overrides the default thread count (the machine's cores).</summary>
    public const string ThreadsVariable = "ANOMALYBENCH_THREADS";

    public static int Threads => Volatile.Read(ref s_threads);

    public static void EnsureInitialized()
    {
        if (!s_initialized) Initialize();
        if (t_threadsVersion != s_threadsVersion) ApplyThreads();
    }

    private static void Initialize()
    {
        lock (s_gate)
        {
            if (s_initialized) return;
            if (OpenBlasThreading.Error is { } error) throw new TorchException(error);
            if (OpenBlasCoreType.Error is { } kernels) throw new TorchException(kernels);
            s_threads = DefaultThreads();
            s_threadsVersion = 1;
            WarnOnReferenceBlas();
            s_initialized = true;
        }
    }

    private static int DefaultThreads()
    {
        var text = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (string.IsNullOrWhiteSpace(text)) return Environment.ProcessorCount;
        if (int.TryParse(text, out var n) && n >= 1) return n;
        throw new TorchException($"{ThreadsVariable}='{text}' is not a positive integer");
    }

    public static void SetThreads(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "the thread count must be at least 1");
        EnsureInitialized();
        lock (s_gate)
        {
            s_threads = n;
            s_threadsVersion++;
        }
        ApplyThreads();
    }

    private static void ApplyThreads()
    {
        NativeMethods.Check(NativeMethods.abt_set_num_threads(s_threads), "set_num_threads");
        t_threadsVersion = s_threadsVersion;
        if (t_ownThreads > 0)
            NativeMethods.Check(NativeMethods.abt_set_thread_num_threads(t_ownThreads), "set_num_threads for this thread");
    }

    /// <summary>
    /// Gives the calling OS thread its own intra-op count (0: follow the process-wide one again).
    /// Data-loader workers run with 1, as PyTorch's DataLoader workers do: several workers each
    /// forking an OpenMP team on the same cores slow every one of them down.
    /// </summary>
    public static void SetThreadsForCurrentThread(int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "the thread count must be at least 1 (0 to follow the process-wide count)");
        EnsureInitialized();
        t_ownThreads = n;
        if (n == 0) ApplyThreads();
        else NativeMethods.Check(NativeMethods.abt_set_thread_num_threads(n), "set_num_threads for this thread");
    }

    /// <summary>The shared object that provides sgemm_ (the BLAS libtorch calls), resolved through symlinks.</summary>
    public static unsafe string BlasLibrary()
    {
        var buffer = new byte[1024];
        fixed (byte* p = buffer)
            NativeMethods.Check(NativeMethods.abt_blas_library(p, buffer.Length), "blas_library");
        return Encoding.UTF8.GetString(buffer, 0, Array.IndexOf(buffer, (byte)0));
    }

    /// <summary>True when the BLAS in use is the slow reference implementation (Debian's libblas3).</summary>
    public static bool IsReferenceBlas(string library) =>
        library.StartsWith('/') && !(library.Contains("openblas", StringComparison.OrdinalIgnoreCase)
            || library.Contains("mkl", StringComparison.OrdinalIgnoreCase)
            || library.Contains("blis", StringComparison.OrdinalIgnoreCase)
            || library.Contains("atlas", StringComparison.OrdinalIgnoreCase)
            || library.Contains("torch", StringComparison.OrdinalIgnoreCase));

    private static void WarnOnReferenceBlas()
    {
        var library = BlasLibrary();
        if (IsReferenceBlas(library))
        {
            Console.Error.WriteLine(
                $"warning: libtorch is using the reference BLAS ({library}), about 30x slower than OpenBLAS for matrix products. " +
                $"Install it: apt-get install {OpenBlasThreading.Package}");
        }
    }

    /// <summary>The libtorch version the shim was compiled against.</summary>
    public static string LibtorchVersion => Marshal.PtrToStringUTF8(NativeMethods.abt_version()) ?? "unknown";
}
