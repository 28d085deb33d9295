using System.Runtime.InteropServices;
using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch;

/// <summary>
/// The entry point, named as PyTorch's <c>torch</c> module (and TorchSharp's
/// <c>torch</c> class): factories, functions, grad mode, seeding, devices.
/// </summary>
public static partial class torch
{
    /// <summary>The libtorch version the native shim was built against.</summary>
    public static string libtorch_version => Engine.LibtorchVersion;

    // Engine settings ------------------------------------------------------

    /// <summary>Seeds the CPU generator and every CUDA generator.</summary>
    public static void manual_seed(ulong seed)
    {
        Engine.EnsureInitialized();
        NativeMethods.Check(NativeMethods.abt_manual_seed(seed), "manual_seed");
    }

    /// <summary>The environment variable that sets the intra-op thread count (default: the machine's cores).</summary>
    public const string ThreadsVariable = Engine.ThreadsVariable;

    /// <summary>
    /// The native environment variables the engine set when it loaded, as its defaults or from its own variables
    /// (GOMP_SPINCOUNT, OPENBLAS_CORETYPE): a process that starts another harness process removes them, so that the
    /// child sets them again itself instead of taking them for the user's choice.
    /// </summary>
    public static IReadOnlyList<string> VariablesSetAtStartup => NativeStartup.VariablesSet;

    /// <summary>Intra-op threads (default: the machine's cores, or ANOMALYBENCH_THREADS).</summary>
    public static int get_num_threads()
    {
        Engine.EnsureInitialized();
        return NativeMethods.abt_get_num_threads();
    }

    public static void set_num_threads(int n) => Engine.SetThreads(n);

    /// <summary>
    /// The intra-op thread count of the calling OS thread only (0: follow <see cref="set_num_threads"/> again);
    /// for worker threads such as the data loader's, which run with 1. Needs an OpenMP libtorch (Debian's and
    /// pytorch.org's are); elsewhere it has no effect.
    /// </summary>
    public static void set_num_threads_for_current_thread(int n) => Engine.SetThreadsForCurrentThread(n);

    /// <summary>The shared library that provides BLAS to libtorch (OpenBLAS expected; the reference BLAS is ~30x slower).</summary>
    public static string blas_library => Engine.BlasLibrary();

    public static bool is_grad_enabled() => NativeMethods.abt_grad_enabled() != 0;

    /// <summary>Disables gradient recording on this thread until disposed (PyTorch's <c>with torch.no_grad():</c>).</summary>
    public static IDisposable no_grad() => new GradMode(false);

    /// <summary>Enables gradient recording on this thread until disposed.</summary>
    public static IDisposable enable_grad() => new GradMode(true);

    private sealed class GradMode : IDisposable
    {
        private readonly bool _previous;
        private bool _disposed;

        public GradMode(bool enabled)
        {
            Engine.EnsureInitialized();
            _previous = NativeMethods.abt_grad_enabled() != 0;
            NativeMethods.abt_set_grad_enabled(enabled ? 1 : 0);
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            NativeMethods.abt_set_grad_enabled(_previous ? 1 : 0);
        }
    }

    /// <summary>Opens a dispose scope on this thread: every tensor created until it is disposed is freed with it.</summary>
    public static DisposeScope NewDisposeScope()
    {
        Engine.EnsureInitialized();
        return new DisposeScope();
    }

    public static class cuda
    {
        public static bool is_available()
        {
            Engine.EnsureInitialized();
            return NativeMethods.abt_cuda_is_available() != 0;
        }

        public static int device_count()
        {
            Engine.EnsureInitialized();
            return NativeMethods.abt_cuda_device_count();
        }

        /// <summary>Waits for all kernels on the device (all devices' current one when index is -1).</summary>
        public static void synchronize(int device_index = -1) =>
            NativeMethods.Check(NativeMethods.abt_cuda_synchronize(device_index), "cuda.synchronize");

        /// <summary>
        /// Peak bytes held by tensors on the device since the last <see cref="reset_peak_memory_stats"/> (PyTorch's
        /// <c>torch.cuda.max_memory_allocated</c>); null when this libtorch was built without CUDA.
        /// </summary>
        public static long? max_memory_allocated(int device_index = 0)
        {
            Engine.EnsureInitialized();
            NativeMethods.Check(NativeMethods.abt_cuda_max_memory_allocated(device_index, out var bytes), "cuda.max_memory_allocated");
            return bytes < 0 ? null : bytes;
        }

        /// <summary>Starts a new peak for <see cref="max_memory_allocated"/> (PyTorch's <c>torch.cuda.reset_peak_memory_stats</c>).</summary>
        public static void reset_peak_memory_stats(int device_index = 0)
        {
            Engine.EnsureInitialized();
            NativeMethods.Check(NativeMethods.abt_cuda_reset_peak_memory_stats(device_index), "cuda.reset_peak_memory_stats");
        }
    }

    // Factories ------------------------------------------------------------

    private static Tensor Factory(Op op, ReadOnlySpan<long> size, ScalarType? dtype, Device? device)
    {
        var c = new OpCall(op);
        return c.Ints(size).OptionalScalarType(dtype ?? ScalarType.Float32).None().Device(device ?? Device.CPU).Call();
    }

    public static Tensor zeros(long[] size, ScalarType? dtype = null, Device? device = null) => Factory(aten.zeros, size, dtype, device);
    public static Tensor ones(long[] size, ScalarType? dtype = null, Device? device = null) => Factory(aten.ones, size, dtype, device);
    public static Tensor empty(long[] size, ScalarType? dtype = null, Device? device = null) => Factory(aten.empty_memory_format, size, dtype, device);

    /// <summary>Standard normal samples.</summary>
    public static Tensor randn(long[] size, ScalarType? dtype = null, Device? device = null) => Factory(aten.randn, size, dtype, device);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor rand(long[] size, ScalarType? dtype = null, Device? device = null) => Factory(aten.rand, size, dtype, device);

    public static Tensor zeros(params long[] size) => zeros(size, null, null);
    public static Tensor ones(params long[] size) => ones(size, null, null);
    public static Tensor randn(params long[] size) => randn(size, null, null);
    public static Tensor rand(params long[] size) => rand(size, null, null);
    public static Tensor empty(params long[] size) => empty(size, null, null);

    public static Tensor full(long[] size, Scalar value, ScalarType? dtype = null, Device? device = null)
    {
        var c = new OpCall(aten.full);
        return c.Ints(size).Scalar(value).OptionalScalarType(dtype ?? ScalarType.Float32).None().Device(device ?? Device.CPU).Call();
    }

    /// <summary>Integers uniform in [low, high).</summary>
    public static Tensor randint(long low, long high, long[] size, ScalarType? dtype = null, Device? device = null)
    {
        var c = new OpCall(aten.randint_low);
        return c.Int(low).Int(high).Ints(size).OptionalScalarType(dtype ?? ScalarType.Int64).None().Device(device ?? Device.CPU).Call();
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public static Tensor randperm(long n, Device? device = null)
    {
        var c = new OpCall(aten.randperm);
        return c.Int(n).ScalarType(ScalarType.Int64).None().Device(device ?? Device.CPU).Call();
    }

    /// <summary>Values from start (inclusive) to end (exclusive) in steps; integer arguments give an int64 tensor.</summary>
    public static Tensor arange(Scalar start, Scalar end, Scalar? step = null, ScalarType? dtype = null, Device? device = null)
    {
        var c = new OpCall(aten.arange_start_step);
        c.Scalar(start).Scalar(end).Scalar(step ?? 1).OptionalScalarType(dtype).None().Device(device ?? Device.CPU);
        return c.Call();
    }

    public static Tensor arange(Scalar end, ScalarType? dtype = null, Device? device = null) => arange(0, end, 1, dtype, device);

    public static Tensor linspace(double start, double end, long steps, ScalarType? dtype = null, Device? device = null)
    {
        var c = new OpCall(aten.linspace);
        return c.Scalar(start).Scalar(end).Int(steps).OptionalScalarType(dtype ?? ScalarType.Float32).None().Device(device ?? Device.CPU).Call();
    }

    public static Tensor eye(long n, ScalarType? dtype = null, Device? device = null)
    {
        var c = new OpCall(aten.eye);
        return c.Int(n).OptionalScalarType(dtype ?? ScalarType.Float32).None().Device(device ?? Device.CPU).Call();
    }

    private static Tensor Like(Op op, Tensor like)
    {
        var c = new OpCall(op);
        return c.Tensor(like).Call();
    }

    public static Tensor zeros_like(Tensor like) => Like(aten.zeros_like, like);
    public static Tensor ones_like(Tensor like) => Like(aten.ones_like, like);
    public static Tensor empty_like(Tensor like) => Like(aten.empty_like, like);
    public static Tensor randn_like(Tensor like) => Like(aten.randn_like, like);
    public static Tensor rand_like(Tensor like) => Like(aten.rand_like, like);

    public static Tensor full_like(Tensor like, Scalar value)
    {
        var c = new OpCall(aten.full_like);
        return c.Tensor(like).Scalar(value).Call();
    }

    /// <summary>Copies a host array into a new tensor of the given shape (the array's length by default).</summary>
    public static unsafe Tensor from_array<T>(T[] data, long[]? shape = null, Device? device = null) where T : unmanaged
    {
        shape ??= [data.LongLength];
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n != data.LongLength)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {n} elements, the array has {data.LongLength}");
        fixed (T* p = data)
            return Tensor.FromHost(p, shape, Tensor.ElementType<T>(), device ?? Device.CPU);
    }

    /// <summary>A scalar (0-dimensional) tensor.</summary>
    public static Tensor tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var d = from_array([value], [], device);
        return d.to(dtype);
    }

    /// <summary>Copies raw little-endian element bytes into a new tensor (safetensors/pth storages).</summary>
    public static unsafe Tensor from_bytes(ReadOnlySpan<byte> bytes, ScalarType dtype, long[] shape, Device? device = null)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n * dtype.ElementSize() != bytes.Length)
            throw new ArgumentException($"{dtype} tensor of shape [{string.Join(", ", shape)}] needs {n * dtype.ElementSize()} bytes, got {bytes.Length}");
        fixed (byte* p = bytes)
            return Tensor.FromHost(p, shape, dtype, device ?? Device.CPU);
    }

    // Functions --------------------------------------------------------------

    public static Tensor cat(ReadOnlySpan<Tensor> tensors, long dim = 0)
    {
        var c = new OpCall(aten.cat);
        return c.Tensors(tensors).Int(dim).Call();
    }

    public static Tensor stack(ReadOnlySpan<Tensor> tensors, long dim = 0)
    {
        var c = new OpCall(aten.stack);
        return c.Tensors(tensors).Int(dim).Call();
    }

    public static Tensor where(Tensor condition, Tensor x, Tensor y)
    {
        var c = new OpCall(aten.where_self);
        return c.Tensor(condition).Tensor(x).Tensor(y).Call();
    }

    public static Tensor where(Tensor condition, Tensor x, Scalar y)
    {
        var c = new OpCall(aten.where_ScalarOther);
        return c.Tensor(condition).Tensor(x).Scalar(y).Call();
    }

    public static Tensor where(Tensor condition, Scalar x, Tensor y)
    {
        var c = new OpCall(aten.where_ScalarSelf);
        return c.Tensor(condition).Scalar(x).Tensor(y).Call();
    }

    /// <summary>
    /// torch.mm(input, mat2, out=out): the product written into <paramref name="out"/> (of the product's shape), so
    /// that a loop over blocks reuses one buffer instead of allocating a new one per block.
    /// </summary>
    public static void mm(Tensor input, Tensor mat2, Tensor @out)
    {
        var c = new OpCall(aten.mm_out);
        c.Tensor(input).Tensor(mat2).Tensor(@out).CallVoid();
    }

    /// <summary>Pairwise p-norm distances between the rows of x1 [B,P,M] and x2 [B,R,M].</summary>
    public static Tensor cdist(Tensor x1, Tensor x2, double p = 2)
    {
        var c = new OpCall(aten.cdist);
        return c.Tensor(x1).Tensor(x2).Double(p).Call();
    }

    public static Tensor einsum(string equation, params Tensor[] operands)
    {
        var c = new OpCall(aten.einsum);
        return c.String(equation).Tensors(operands).Call();
    }

    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);

    /// <summary>Samples indices from the rows of non-negative <paramref name="weights"/>.</summary>
    public static Tensor multinomial(Tensor weights, long num_samples, bool replacement = false)
    {
        var c = new OpCall(aten.multinomial);
        return c.Tensor(weights).Int(num_samples).Bool(replacement).Call();
    }

    /// <summary>Bernoulli samples with probability <paramref name="p"/>, shaped like <paramref name="like"/>.</summary>
    public static Tensor bernoulli(Tensor like, double p)
    {
        var c = new OpCall(aten.bernoulli_p);
        return c.Tensor(like).Double(p).Call();
    }

    /// <summary>Indices of the buckets that the values fall into, given sorted <paramref name="boundaries"/>.</summary>
    public static Tensor bucketize(Tensor input, Tensor boundaries, bool right = false)
    {
        var c = new OpCall(aten.bucketize_Tensor);
        return c.Tensor(input).Tensor(boundaries).Bool(false).Bool(right).Call();
    }
}
