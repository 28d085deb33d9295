using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace AnomalyBench.Torch.Native;

/// <summary>An ATen operator, resolved through c10::Dispatcher on first use and cached for the process.</summary>
internal sealed class Op
{
    private IntPtr _handle;

    public Op(string name, string overload = "")
    {
        Name = name;
        Overload = overload;
    }

    public string Name { get; }
    public string Overload { get; }

    public string FullName => Overload.Length == 0 ? Name : $"{Name}.{Overload}";

    public IntPtr Handle
    {
        get
        {
            if (_handle != IntPtr.Zero) return _handle;
            Engine.EnsureInitialized();
            NativeMethods.Check(NativeMethods.abt_op_find(Name, Overload, out var h), $"looking up {FullName}");
            _handle = h;
            return h;
        }
    }

    /// <summary>The operator's schema as libtorch prints it, e.g. for error messages and tests.</summary>
    public unsafe string Schema
    {
        get
        {
            var buffer = new byte[4096];
            fixed (byte* p = buffer)
                NativeMethods.Check(NativeMethods.abt_op_schema(Handle, p, buffer.Length), FullName);
            return Encoding.UTF8.GetString(buffer, 0, Array.IndexOf(buffer, (byte)0));
        }
    }
}

/// <summary>Tensors an op call must keep alive until the native call has returned.</summary>
[InlineArray(8)]
internal struct KeepAlive8
{
    private Tensor? _element;
}

/// <summary>
/// Builds the argument array of one dispatcher call on the stack: list
/// arguments live in a stack scratch buffer (heap only when large), tensors
/// are held until the call returns so no finalizer can free them mid-call.
/// </summary>
internal unsafe ref struct OpCall
{
    private const int MaxArgs = 24;

    private readonly Op _op;
    private fixed byte _args[MaxArgs * 40];
    private int _count;
    private fixed long _scratch[64];
    private int _scratchUsed;
    private List<IntPtr>? _heap;
    private KeepAlive8 _keep;
    private int _keepCount;
    private List<Tensor>? _keepMore;

    public OpCall(Op op)
    {
        _op = op;
    }

    private ref Arg Next()
    {
        if (_count == MaxArgs) throw new InvalidOperationException($"{_op.FullName}: too many arguments");
        fixed (byte* p = _args)
        {
            ref var a = ref ((Arg*)p)[_count++];
            a = default;
            return ref a;
        }
    }

    private void Keep(Tensor t)
    {
        if (_keepCount < 8) _keep[_keepCount++] = t;
        else (_keepMore ??= new()).Add(t);
    }

    private long* Alloc(int count)
    {
        if (_scratchUsed + count <= 64)
        {
            fixed (long* s = _scratch)
            {
                var p = s + _scratchUsed;
                _scratchUsed += count;
                return p;
            }
        }
        var heap = (long*)NativeMemory.Alloc((nuint)Math.Max(count, 1), sizeof(long));
        (_heap ??= new()).Add((IntPtr)heap);
        return heap;
    }

    [UnscopedRef] public ref OpCall Tensor(Tensor t)
    {
        ref var a = ref Next();
        a.Kind = ArgKind.Tensor;
        a.P = t.NativeHandle;
        Keep(t);
        return ref this;
    }

    /// <summary>An optional tensor: null passes None.</summary>
    [UnscopedRef] public ref OpCall OptionalTensor(Tensor? t) => ref t is null ? ref None() : ref Tensor(t);

    [UnscopedRef] public ref OpCall None()
    {
        Next().Kind = ArgKind.None;
        return ref this;
    }

    /// <summary>Leave this argument at the schema's default.</summary>
    [UnscopedRef] public ref OpCall Default()
    {
        Next().Kind = ArgKind.Default;
        return ref this;
    }

    [UnscopedRef] public ref OpCall Int(long v)
    {
        ref var a = ref Next();
        a.Kind = ArgKind.Int;
        a.I = v;
        return ref this;
    }

    [UnscopedRef] public ref OpCall OptionalInt(long? v) => ref v is { } x ? ref Int(x) : ref None();

    [UnscopedRef] public ref OpCall Double(double v)
    {
        ref var a = ref Next();
        a.Kind = ArgKind.Double;
        a.D = v;
        return ref this;
    }

    [UnscopedRef] public ref OpCall OptionalDouble(double? v) => ref v is { } x ? ref Double(x) : ref None();

    [UnscopedRef] public ref OpCall Scalar(Scalar s) => ref s.IsInteger ? ref Int(s.IntValue) : ref Double(s.DoubleValue);

    [UnscopedRef] public ref OpCall Bool(bool v)
    {
        ref var a = ref Next();
        a.Kind = ArgKind.Bool;
        a.I = v ? 1 : 0;
        return ref this;
    }

    [UnscopedRef] public ref OpCall OptionalBool(bool? v) => ref v is { } x ? ref Bool(x) : ref None();

    [UnscopedRef] public ref OpCall Ints(scoped ReadOnlySpan<long> values)
    {
        var p = Alloc(values.Length);
        values.CopyTo(new Span<long>(p, values.Length));
        ref var a = ref Next();
        a.Kind = ArgKind.Ints;
        a.P = (IntPtr)p;
        a.N = values.Length;
        return ref this;
    }

    [UnscopedRef] public ref OpCall OptionalInts(long[]? values) => ref values is null ? ref None() : ref Ints(values);

    [UnscopedRef] public ref OpCall Doubles(scoped ReadOnlySpan<double> values)
    {
        var p = Alloc(values.Length);
        values.CopyTo(new Span<double>(p, values.Length));
        ref var a = ref Next();
        a.Kind = ArgKind.Doubles;
        a.P = (IntPtr)p;
        a.N = values.Length;
        return ref this;
    }

    [UnscopedRef] public ref OpCall Tensors(scoped ReadOnlySpan<Tensor> tensors) => ref TensorList(tensors, ArgKind.Tensors);

    /// <summary>A <c>Tensor?[]</c> argument (indexing): null entries pass None.</summary>
    [UnscopedRef] public ref OpCall OptionalTensors(scoped ReadOnlySpan<Tensor?> tensors) => ref TensorList(tensors!, ArgKind.OptionalTensors);

    [UnscopedRef] private ref OpCall TensorList(scoped ReadOnlySpan<Tensor> tensors, ArgKind kind)
    {
        var p = Alloc(tensors.Length);
        for (var k = 0; k < tensors.Length; k++)
        {
            var t = tensors[k];
            if (t is null)
            {
                if (kind != ArgKind.OptionalTensors) throw new ArgumentNullException(nameof(tensors), $"{_op.FullName}: null tensor in list");
                p[k] = 0;
                continue;
            }
            p[k] = (long)t.NativeHandle;
            Keep(t);
        }
        ref var a = ref Next();
        a.Kind = kind;
        a.P = (IntPtr)p;
        a.N = tensors.Length;
        return ref this;
    }

    [UnscopedRef] public ref OpCall ScalarType(ScalarType type)
    {
        ref var a = ref Next();
        a.Kind = ArgKind.ScalarType;
        a.I = (long)type;
        return ref this;
    }

    [UnscopedRef] public ref OpCall OptionalScalarType(ScalarType? type) => ref type is { } t ? ref ScalarType(t) : ref None();

    [UnscopedRef] public ref OpCall Device(Device device)
    {
        ref var a = ref Next();
        a.Kind = ArgKind.Device;
        a.I = (long)device.Type;
        a.N = device.Index;
        return ref this;
    }

    [UnscopedRef] public ref OpCall String(string s)
    {
        var bytes = Encoding.UTF8.GetByteCount(s) + 1;
        var p = (byte*)Alloc((bytes + 7) / 8);
        var written = Encoding.UTF8.GetBytes(s, new Span<byte>(p, bytes));
        p[written] = 0;
        ref var a = ref Next();
        a.Kind = ArgKind.String;
        a.P = (IntPtr)p;
        return ref this;
    }

    /// <summary>Calls the op and returns its only tensor result.</summary>
    public Tensor Call()
    {
        var results = Invoke();
        if (results.Length != 1 || results[0] is not Tensor t)
        {
            DisposeAll(results);
            throw new TorchException($"{_op.FullName}: expected one tensor result, got {results.Length}");
        }
        return t;
    }

    /// <summary>Calls the op and returns its tensor results (tuples and tensor lists flattened).</summary>
    public Tensor[] CallMany()
    {
        var results = Invoke();
        var tensors = new Tensor[results.Length];
        for (var k = 0; k < results.Length; k++)
        {
            if (results[k] is not Tensor t)
            {
                DisposeAll(results);
                throw new TorchException($"{_op.FullName}: result {k} is not a tensor");
            }
            tensors[k] = t;
        }
        return tensors;
    }

    /// <summary>Calls an in-place or out-less op whose tensor results (aliases) are not needed.</summary>
    public void CallVoid() => DisposeAll(Invoke());

    /// <summary>Calls an op that returns one number (<c>aten::item</c>, <c>aten::_local_scalar_dense</c>, ...).</summary>
    public double CallScalar()
    {
        var results = Invoke();
        if (results.Length == 1 && results[0] is double d) return d;
        if (results.Length == 1 && results[0] is long l) return l;
        if (results.Length == 1 && results[0] is bool b) return b ? 1 : 0;
        DisposeAll(results);
        throw new TorchException($"{_op.FullName}: expected one number as result");
    }

    private static void DisposeAll(object?[] results)
    {
        foreach (var r in results) (r as Tensor)?.Dispose();
    }

    private object?[] Invoke()
    {
        // Applies the configured intra-op thread count on threads that have not run an op yet.
        Engine.EnsureInitialized();
        var handle = _op.Handle;
        Value* inline = stackalloc Value[8];
        int n;
        int code;
        fixed (byte* args = _args)
            code = NativeMethods.abt_call(handle, (Arg*)args, _count, inline, 8, out n);
        for (var k = 0; k < _keepCount; k++) GC.KeepAlive(_keep[k]);
        GC.KeepAlive(_keepMore);
        if (_heap is not null)
        {
            foreach (var p in _heap) NativeMemory.Free((void*)p);
            _heap = null;
        }
        NativeMethods.Check(code, _op.FullName);
        var values = inline;
        var overflow = n > 8;
        if (overflow) values = (Value*)inline[0].T;
        try
        {
            var results = new object?[n];
            for (var k = 0; k < n; k++)
            {
                results[k] = values[k].Kind switch
                {
                    ArgKind.Tensor => new Tensor(values[k].T),
                    ArgKind.Int => values[k].I,
                    ArgKind.Double => values[k].D,
                    ArgKind.Bool => values[k].I != 0,
                    _ => null,
                };
            }
            return results;
        }
        finally
        {
            if (overflow) NativeMethods.abt_free((IntPtr)values);
        }
    }
}
