using System.Runtime.InteropServices;
using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch;

/// <summary>
/// A libtorch tensor. Owns one native reference, released by <see cref="Dispose"/>
/// (or, as a last resort, the finalizer). Every tensor created while a
/// <see cref="DisposeScope"/> is open on this thread belongs to that scope.
/// Method names follow PyTorch (<c>x.mean(...)</c>, <c>loss.backward()</c>).
/// </summary>
public partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;

    internal Tensor(IntPtr handle)
    {
        if (handle == IntPtr.Zero) throw new TorchException("the bridge returned a null tensor");
        _handle = new TensorHandle(handle);
        DisposeScope.Current?.Add(this);
    }

    internal DisposeScope? Scope { get; set; }

    internal IntPtr NativeHandle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle.DangerousGetHandle();
        }
    }

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose()
    {
        Scope?.Remove(this);
        // The SafeHandle's own finalizer frees tensors that are never disposed.
        _handle.Dispose();
    }

    /// <summary>Moves this tensor to the enclosing dispose scope (or out of all scopes when there is none).</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        var scope = Scope;
        if (scope is null) return this;
        scope.Remove(this);
        scope.Outer?.Add(this);
        return this;
    }

    /// <summary>Takes this tensor out of every dispose scope: the caller disposes it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope?.Remove(this);
        return this;
    }

    /// <summary>Number of tensors alive in the native bridge (for leak tests).</summary>
    public static long LiveCount => NativeMethods.abt_live_tensors();

    private (int Dim, ScalarType Type, Device Device, bool RequiresGrad) Info()
    {
        NativeMethods.Check(
            NativeMethods.abt_tensor_info(NativeHandle, out var ndim, out var dtype, out var devType, out var devIndex, out var rg, out var defined),
            "tensor info");
        if (defined == 0) throw new TorchException("undefined tensor");
        GC.KeepAlive(this);
        return (ndim, (ScalarType)dtype, new Device((DeviceType)devType, devIndex), rg != 0);
    }

    public int dim() => Info().Dim;

    public int ndim => Info().Dim;

    public ScalarType dtype => Info().Type;

    public Device device => Info().Device;

    public unsafe long[] shape
    {
        get
        {
            var n = Info().Dim;
            var s = new long[n];
            fixed (long* p = s)
                NativeMethods.Check(NativeMethods.abt_tensor_shape(NativeHandle, p, n), "shape");
            GC.KeepAlive(this);
            return s;
        }
    }

    public unsafe long[] stride()
    {
        var n = Info().Dim;
        var s = new long[n];
        fixed (long* p = s)
            NativeMethods.Check(NativeMethods.abt_tensor_strides(NativeHandle, p, n), "stride");
        GC.KeepAlive(this);
        return s;
    }

    /// <summary>Size of dimension <paramref name="d"/> (negative counts from the end).</summary>
    public long size(int d)
    {
        var s = shape;
        return s[d < 0 ? d + s.Length : d];
    }

    public long numel()
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public bool requires_grad
    {
        get => Info().RequiresGrad;
        set
        {
            NativeMethods.Check(NativeMethods.abt_set_requires_grad(NativeHandle, value ? 1 : 0), "requires_grad");
            GC.KeepAlive(this);
        }
    }

    /// <summary>Sets requires_grad and returns this tensor (PyTorch's <c>requires_grad_</c>).</summary>
    public Tensor requires_grad_(bool value = true)
    {
        requires_grad = value;
        return this;
    }

    /// <summary>A second reference to the same tensor (shares storage and autograd identity).</summary>
    public Tensor alias()
    {
        NativeMethods.Check(NativeMethods.abt_tensor_alias(NativeHandle, out var h), "alias");
        GC.KeepAlive(this);
        return new Tensor(h);
    }

    /// <summary>Copies the elements, in row-major order, into a new host array.</summary>
    public unsafe T[] data<T>() where T : unmanaged
    {
        var (_, type, _, _) = Info();
        if (ElementType<T>() != type)
            throw new InvalidOperationException($"data<{typeof(T).Name}>() on a {type} tensor: convert with .to(ScalarType) first");
        var result = new T[numel()];
        fixed (T* p = result)
            NativeMethods.Check(NativeMethods.abt_tensor_to_host(NativeHandle, p, (long)result.Length * sizeof(T)), "copy to host");
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>The raw bytes of the elements in row-major order.</summary>
    public unsafe byte[] bytes()
    {
        var (_, type, _, _) = Info();
        var result = new byte[numel() * type.ElementSize()];
        fixed (byte* p = result)
            NativeMethods.Check(NativeMethods.abt_tensor_to_host(NativeHandle, p, result.Length), "copy to host");
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>The single element of a one-element tensor.</summary>
    public T item<T>() where T : unmanaged => to_scalar_array<T>()[0];

    private T[] to_scalar_array<T>() where T : unmanaged
    {
        if (numel() != 1) throw new InvalidOperationException($"item() needs a tensor with one element, this one has shape [{string.Join(", ", shape)}]");
        using var c = dtype == ElementType<T>() ? alias() : to(ElementType<T>());
        return c.data<T>();
    }

    internal static ScalarType ElementType<T>() where T : unmanaged => default(T) switch
    {
        float => ScalarType.Float32,
        double => ScalarType.Float64,
        long => ScalarType.Int64,
        int => ScalarType.Int32,
        short => ScalarType.Int16,
        byte => ScalarType.Byte,
        sbyte => ScalarType.Int8,
        bool => ScalarType.Bool,
        Half => ScalarType.Float16,
        _ => throw new NotSupportedException($"no tensor element type for {typeof(T).Name}"),
    };

    /// <summary>Creates a tensor from host memory (copied) with the given element type and shape.</summary>
    internal static unsafe Tensor FromHost(void* data, ReadOnlySpan<long> shape, ScalarType type, Device device)
    {
        Engine.EnsureInitialized();
        fixed (long* s = shape)
        {
            NativeMethods.Check(
                NativeMethods.abt_tensor_from_host(data, s, shape.Length, (int)type, (int)device.Type, device.Index, out var h),
                "tensor from host memory");
            return new Tensor(h);
        }
    }

    public override string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        var (_, type, dev, rg) = Info();
        return $"Tensor([{string.Join(", ", shape)}], {type}, {dev}{(rg ? ", requires_grad" : "")})";
    }

    /// <summary>The tensor's values for debugging: shape, type and the first elements as float64.</summary>
    public string ToDebugString(int maxElements = 16)
    {
        using var d = to(ScalarType.Float64).flatten();
        var values = d.data<double>();
        var shown = string.Join(", ", values.Take(maxElements).Select(v => v.ToString("G6")));
        return $"{this} [{shown}{(values.Length > maxElements ? ", ..." : "")}]";
    }
}
