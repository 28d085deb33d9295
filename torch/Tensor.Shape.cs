using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch;

/// <summary>Views, reshaping, joining, indexing and type/device conversion.</summary>
public partial class Tensor
{
    private Tensor WithInts(Op op, ReadOnlySpan<long> values)
    {
        var c = new OpCall(op);
        return c.Tensor(this).Ints(values).Call();
    }

    private Tensor WithInt(Op op, long value)
    {
        var c = new OpCall(op);
        return c.Tensor(this).Int(value).Call();
    }

    public Tensor view(params long[] shape) => WithInts(aten.view, shape);
    public Tensor reshape(params long[] shape) => WithInts(aten.reshape, shape);
    public Tensor permute(params long[] dims) => WithInts(aten.permute, dims);
    public Tensor expand(params long[] shape) => WithInts(aten.expand, shape);
    public Tensor expand_as(Tensor other) => Binary(aten.expand_as, this, other);
    public Tensor repeat(params long[] repeats) => WithInts(aten.repeat, repeats);
    public Tensor flip(params long[] dims) => WithInts(aten.flip, dims);
    public Tensor unsqueeze(long dim) => WithInt(aten.unsqueeze, dim);
    public Tensor squeeze() => Unary(aten.squeeze, this);
    public Tensor squeeze(long dim) => WithInt(aten.squeeze_dim, dim);
    public Tensor t() => Unary(aten.t, this);
    public Tensor contiguous() => Unary(aten.contiguous, this);

    public Tensor transpose(long dim0, long dim1)
    {
        var c = new OpCall(aten.transpose_int);
        return c.Tensor(this).Int(dim0).Int(dim1).Call();
    }

    public Tensor movedim(long source, long destination)
    {
        var c = new OpCall(aten.movedim_int);
        return c.Tensor(this).Int(source).Int(destination).Call();
    }

    public Tensor flatten(long start_dim = 0, long end_dim = -1)
    {
        var c = new OpCall(aten.flatten_using_ints);
        return c.Tensor(this).Int(start_dim).Int(end_dim).Call();
    }

    public Tensor unflatten(long dim, params long[] sizes)
    {
        var c = new OpCall(aten.unflatten_int);
        return c.Tensor(this).Int(dim).Ints(sizes).Call();
    }

    public Tensor narrow(long dim, long start, long length)
    {
        var c = new OpCall(aten.narrow);
        return c.Tensor(this).Int(dim).Int(start).Int(length).Call();
    }

    /// <summary>Index <paramref name="index"/> of dimension <paramref name="dim"/>, that dimension removed (<c>x[:, i]</c>).</summary>
    public Tensor select(long dim, long index)
    {
        var c = new OpCall(aten.select_int);
        return c.Tensor(this).Int(dim).Int(index).Call();
    }

    /// <summary>Python's <c>x[start:end:step]</c> along <paramref name="dim"/>; null bounds are open.</summary>
    public Tensor slice(long dim, long? start, long? end, long step = 1)
    {
        var c = new OpCall(aten.slice_Tensor);
        return c.Tensor(this).Int(dim).OptionalInt(start).OptionalInt(end).Int(step).Call();
    }

    public Tensor roll(long[] shifts, long[] dims)
    {
        var c = new OpCall(aten.roll);
        return c.Tensor(this).Ints(shifts).Ints(dims).Call();
    }

    public Tensor as_strided(long[] size, long[] stride, long storage_offset = 0)
    {
        var c = new OpCall(aten.as_strided);
        return c.Tensor(this).Ints(size).Ints(stride).Int(storage_offset).Call();
    }

    public Tensor[] split(long split_size, long dim = 0)
    {
        var c = new OpCall(aten.split_Tensor);
        return c.Tensor(this).Int(split_size).Int(dim).CallMany();
    }

    public Tensor[] split(long[] split_sizes, long dim = 0)
    {
        var c = new OpCall(aten.split_with_sizes);
        return c.Tensor(this).Ints(split_sizes).Int(dim).CallMany();
    }

    public Tensor[] chunk(long chunks, long dim = 0)
    {
        var c = new OpCall(aten.chunk);
        return c.Tensor(this).Int(chunks).Int(dim).CallMany();
    }

    public Tensor[] unbind(long dim = 0)
    {
        var c = new OpCall(aten.unbind_int);
        return c.Tensor(this).Int(dim).CallMany();
    }

    // Indexing -----------------------------------------------------------

    public Tensor index_select(long dim, Tensor index)
    {
        var c = new OpCall(aten.index_select);
        return c.Tensor(this).Int(dim).Tensor(index).Call();
    }

    public Tensor gather(long dim, Tensor index)
    {
        var c = new OpCall(aten.gather);
        return c.Tensor(this).Int(dim).Tensor(index).Call();
    }

    public Tensor scatter(long dim, Tensor index, Tensor src)
    {
        var c = new OpCall(aten.scatter_src);
        return c.Tensor(this).Int(dim).Tensor(index).Tensor(src).Call();
    }

    public Tensor scatter(long dim, Tensor index, Scalar value)
    {
        var c = new OpCall(aten.scatter_value);
        return c.Tensor(this).Int(dim).Tensor(index).Scalar(value).Call();
    }

    public Tensor scatter_add(long dim, Tensor index, Tensor src)
    {
        var c = new OpCall(aten.scatter_add);
        return c.Tensor(this).Int(dim).Tensor(index).Tensor(src).Call();
    }

    /// <summary>Advanced indexing, <c>x[i0, i1, ...]</c>; a null entry keeps that dimension whole (<c>:</c>).</summary>
    public Tensor index(params Tensor?[] indices)
    {
        var c = new OpCall(aten.index_Tensor);
        return c.Tensor(this).OptionalTensors(indices).Call();
    }

    /// <summary><c>x[indices] = values</c> (or <c>+=</c> with <paramref name="accumulate"/>), in place.</summary>
    public Tensor index_put_(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        var c = new OpCall(aten.index_put_);
        c.Tensor(this).OptionalTensors(indices).Tensor(values).Bool(accumulate).CallVoid();
        return this;
    }

    public Tensor masked_fill(Tensor mask, Scalar value)
    {
        var c = new OpCall(aten.masked_fill_Scalar);
        return c.Tensor(this).Tensor(mask).Scalar(value).Call();
    }

    public Tensor masked_fill_(Tensor mask, Scalar value)
    {
        var c = new OpCall(aten.masked_fill__Scalar);
        c.Tensor(this).Tensor(mask).Scalar(value).CallVoid();
        return this;
    }

    public Tensor masked_select(Tensor mask) => Binary(aten.masked_select, this, mask);

    public Tensor nonzero() => Unary(aten.nonzero, this);

    // Conversion, copies and in-place fills -------------------------------

    public Tensor to(ScalarType type)
    {
        var c = new OpCall(aten.to_dtype);
        return c.Tensor(this).ScalarType(type).Call();
    }

    public Tensor to(Device target)
    {
        var c = new OpCall(aten.to_dtype_layout);
        return c.Tensor(this).None().None().Device(target).Call();
    }

    public Tensor to(Device target, ScalarType type)
    {
        var c = new OpCall(aten.to_dtype_layout);
        return c.Tensor(this).ScalarType(type).None().Device(target).Call();
    }

    public Tensor cpu() => to(Device.CPU);
    public Tensor cuda(int index = 0) => to(Device.CUDA(index));
    public Tensor @float() => to(ScalarType.Float32);
    public Tensor @double() => to(ScalarType.Float64);
    public Tensor @long() => to(ScalarType.Int64);
    public Tensor @bool() => to(ScalarType.Bool);
    public Tensor clone() => Unary(aten.clone, this);
    public Tensor detach() => Unary(aten.detach, this);

    public Tensor copy_(Tensor src)
    {
        var c = new OpCall(aten.copy_);
        c.Tensor(this).Tensor(src).CallVoid();
        return this;
    }

    public Tensor fill_(Scalar value) => InPlace(aten.fill__Scalar, scalar: value);
    public Tensor zero_() => InPlace(aten.zero_);

    public Tensor normal_(double mean = 0, double std = 1)
    {
        var c = new OpCall(aten.normal_);
        c.Tensor(this).Double(mean).Double(std).CallVoid();
        return this;
    }

    public Tensor uniform_(double from = 0, double to = 1)
    {
        var c = new OpCall(aten.uniform_);
        c.Tensor(this).Double(from).Double(to).CallVoid();
        return this;
    }

    /// <summary>Replaces this tensor's data, keeping its identity (PyTorch's <c>param.data = new</c>).</summary>
    public void set_data(Tensor data)
    {
        var c = new OpCall(aten.set_data);
        c.Tensor(this).Tensor(data).CallVoid();
    }

    // Autograd -----------------------------------------------------------

    /// <summary>Back-propagates from this tensor (a scalar, or with <paramref name="gradient"/> of its shape).</summary>
    public void backward(Tensor? gradient = null, bool retain_graph = false, bool create_graph = false)
    {
        Engine.EnsureInitialized();
        NativeMethods.Check(
            NativeMethods.abt_backward(NativeHandle, gradient?.NativeHandle ?? IntPtr.Zero, retain_graph ? 1 : 0, create_graph ? 1 : 0),
            "backward");
        GC.KeepAlive(gradient);
        GC.KeepAlive(this);
    }

    /// <summary>Drops (PyTorch 2.x's default) or zeroes the gradients of <paramref name="parameters"/>: <c>zero_grad</c> of modules and optimizers.</summary>
    internal static void zero_grad(IEnumerable<Tensor> parameters, bool set_to_none)
    {
        foreach (var p in parameters)
        {
            if (set_to_none)
            {
                p.grad = null;
                continue;
            }
            using var g = p.grad;
            if (g is null) continue;
            g.requires_grad_(false);
            g.zero_();
        }
    }

    /// <summary>The accumulated gradient, or null. The returned tensor is a new reference: dispose it.</summary>
    public Tensor? grad
    {
        get
        {
            NativeMethods.Check(NativeMethods.abt_grad(NativeHandle, out var g), "grad");
            GC.KeepAlive(this);
            return g == IntPtr.Zero ? null : new Tensor(g);
        }
        set
        {
            NativeMethods.Check(NativeMethods.abt_set_grad(NativeHandle, value?.NativeHandle ?? IntPtr.Zero), "grad");
            GC.KeepAlive(value);
            GC.KeepAlive(this);
        }
    }
}
