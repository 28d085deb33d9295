using System.Runtime.InteropServices;

namespace AnomalyBench.Torch.Native;

/// <summary>The C ABI of native/anomalybench_torch.h, one declaration per entry point.</summary>
internal static unsafe partial class NativeMethods
{
    private const string Lib = "anomalybench_torch";

    [LibraryImport(Lib)] internal static partial IntPtr abt_last_error();
    [LibraryImport(Lib)] internal static partial IntPtr abt_version();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int abt_op_find(string name, string overload, out IntPtr op);
    [LibraryImport(Lib)] internal static partial int abt_op_schema(IntPtr op, byte* buf, long cap);
    [LibraryImport(Lib)] internal static partial int abt_call(IntPtr op, Arg* args, int nargs, Value* results, int cap, out int nresults);
    [LibraryImport(Lib)] internal static partial void abt_free(IntPtr p);

    [LibraryImport(Lib)] internal static partial void abt_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial long abt_live_tensors();
    [LibraryImport(Lib)] internal static partial int abt_tensor_from_host(void* data, long* shape, int ndim, int dtype, int deviceType, int deviceIndex, out IntPtr tensor);
    [LibraryImport(Lib)] internal static partial int abt_tensor_to_host(IntPtr t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial int abt_tensor_alias(IntPtr t, out IntPtr alias);
    [LibraryImport(Lib)] internal static partial int abt_tensor_info(IntPtr t, out int ndim, out int dtype, out int deviceType, out int deviceIndex, out int requiresGrad, out int defined);
    [LibraryImport(Lib)] internal static partial int abt_tensor_shape(IntPtr t, long* shape, int cap);
    [LibraryImport(Lib)] internal static partial int abt_tensor_strides(IntPtr t, long* strides, int cap);

    [LibraryImport(Lib)] internal static partial int abt_set_requires_grad(IntPtr t, int value);
    [LibraryImport(Lib)] internal static partial int abt_backward(IntPtr t, IntPtr grad, int retainGraph, int createGraph);
    [LibraryImport(Lib)] internal static partial int abt_grad(IntPtr t, out IntPtr grad);
    [LibraryImport(Lib)] internal static partial int abt_set_grad(IntPtr t, IntPtr grad);
    [LibraryImport(Lib)] internal static partial int abt_grad_enabled();
    [LibraryImport(Lib)] internal static partial void abt_set_grad_enabled(int enabled);

    [LibraryImport(Lib)] internal static partial int abt_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int abt_get_num_threads();
    [LibraryImport(Lib)] internal static partial int abt_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int abt_set_thread_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int abt_blas_library(byte* buf, long cap);
    [LibraryImport(Lib)] internal static partial int abt_cuda_is_available();
    [LibraryImport(Lib)] internal static partial int abt_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int abt_cuda_synchronize(int deviceIndex);
    [LibraryImport(Lib)] internal static partial int abt_cuda_max_memory_allocated(int deviceIndex, out long bytes);
    [LibraryImport(Lib)] internal static partial int abt_cuda_reset_peak_memory_stats(int deviceIndex);

    [LibraryImport(Lib)] internal static partial int abt_image_decode(byte* bytes, long len, int channels, out IntPtr tensor);
    [LibraryImport(Lib)] internal static partial int abt_image_info(byte* bytes, long len, out int width, out int height, out int channels);
    [LibraryImport(Lib)] internal static partial int abt_image_encode_png(IntPtr hwc, out IntPtr bytes, out long len);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int abt_bench_native_loop(string which, IntPtr a, IntPtr b, long iterations);

    // libtorch reports host allocation failures as a plain c10::Error from DefaultCPUAllocator.
    private static readonly string[] s_allocationFailures = ["can't allocate memory", "not enough memory", "out of memory"];

    private static bool IsAllocationFailure(string message) =>
        s_allocationFailures.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));

    internal static string LastError() => Marshal.PtrToStringUTF8(abt_last_error()) ?? "unknown native error";

    /// <summary>Throws the native error message when <paramref name="code"/> is non-zero.</summary>
    internal static void Check(int code, string what)
    {
        if (code == 0) return;
        var message = LastError();
        if (code == 2 || IsAllocationFailure(message))
            throw new TorchOutOfMemoryException($"{what}: out of memory ({message}). Lower the batch size or image size, or run on a device with more memory.");
        throw new TorchException($"{what}: {message}");
    }
}

internal enum ArgKind
{
    Default = -1,
    None = 0,
    Tensor = 1,
    Int = 2,
    Double = 3,
    Bool = 4,
    Ints = 5,
    Doubles = 6,
    Tensors = 7,
    OptionalTensors = 8,
    ScalarType = 9,
    String = 10,
    Device = 11,
    Bools = 12,
    Overflow = 100,
}

[StructLayout(LayoutKind.Sequential)]
internal struct Arg
{
    public ArgKind Kind;
    public int Reserved;
    public long I;
    public double D;
    public IntPtr P;
    public long N;
}

[StructLayout(LayoutKind.Sequential)]
internal struct Value
{
    public ArgKind Kind;
    public int Reserved;
    public long I;
    public double D;
    public IntPtr T;
}
