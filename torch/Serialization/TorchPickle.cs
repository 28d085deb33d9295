// What torch.save's pickles mean: the globals that rebuild tensors and the
// storage classes, as defined by PyTorch's torch/_utils.py (_rebuild_tensor,
// _rebuild_tensor_v2, _rebuild_parameter, _rebuild_parameter_with_state),
// torch/_tensor.py (_rebuild_from_type_v2, used for tensor subclasses) and
// torch/storage.py (the typed storage class names and their dtypes).

using System.Numerics;

namespace AnomalyBench.Torch.Serialization;

/// <summary>A storage class (<c>torch.FloatStorage</c>, ...); <see cref="DType"/> is null for the ones not supported.</summary>
internal sealed record StorageType(string FullName, ScalarType? DType);

/// <summary>A <c>torch.float32</c>-style dtype global.</summary>
internal sealed record TorchDType(ScalarType DType);

/// <summary>
/// One storage of the file (a zip entry, or a section of a legacy file), shared by
/// every tensor that views it. Its bytes are read on first use and dropped when
/// the last tensor that needs them has been materialized.
/// </summary>
internal sealed class StorageData(string key, ScalarType dtype, long declaredNumel)
{
    public string Key { get; } = key;
    public ScalarType DType { get; } = dtype;
    public long DeclaredNumel { get; } = declaredNumel;

    /// <summary>Reads the storage's bytes; null when the file does not contain this storage.</summary>
    public Func<byte[]>? Loader { get; set; }

    /// <summary>How many tensors still to be materialized view this storage.</summary>
    public int Users { get; set; }

    private byte[]? _bytes;

    /// <summary>The whole storage as a 1-D tensor, made only for tensors that are not a contiguous range of it.</summary>
    public Tensor? Tensor { get; set; }

    public byte[] Bytes
    {
        get
        {
            if (_bytes is not null) return _bytes;
            if (Loader is null) throw new CorruptCheckpointException($"storage '{Key}' is used by a tensor but its data is not in the file");
            var bytes = Loader();
            if (DType == ScalarType.Bool) Safetensors.CheckBool(bytes, $"bool storage '{Key}'");
            return _bytes = bytes;
        }
    }

    public void Release()
    {
        _bytes = null;
        Tensor?.Dispose();
        Tensor = null;
    }
}

/// <summary>A persistent-id storage: the root storage, or (legacy files) a range of it.</summary>
internal sealed record StorageRef(StorageData Root, long ElementOffset, long Numel, string Location);

/// <summary>A tensor as the pickle describes it: a strided view of a storage.</summary>
internal sealed record TensorRef(StorageRef Storage, long StorageOffset, long[] Size, long[] Stride);

internal static class TorchPickle
{
    private static readonly Dictionary<string, ScalarType> s_storages = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ScalarType.Float32,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["DoubleStorage"] = ScalarType.Float64,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
        // Raw storages (pickled as torch.UntypedStorage) hold bytes.
        ["UntypedStorage"] = ScalarType.Byte,
    };

    private static readonly Dictionary<string, ScalarType> s_dtypes = new(StringComparer.Ordinal)
    {
        ["float32"] = ScalarType.Float32,
        ["float"] = ScalarType.Float32,
        ["float16"] = ScalarType.Float16,
        ["half"] = ScalarType.Float16,
        ["bfloat16"] = ScalarType.BFloat16,
        ["float64"] = ScalarType.Float64,
        ["double"] = ScalarType.Float64,
        ["int64"] = ScalarType.Int64,
        ["long"] = ScalarType.Int64,
        ["int32"] = ScalarType.Int32,
        ["int"] = ScalarType.Int32,
        ["int16"] = ScalarType.Int16,
        ["short"] = ScalarType.Int16,
        ["int8"] = ScalarType.Int8,
        ["uint8"] = ScalarType.Byte,
        ["bool"] = ScalarType.Bool,
    };

    public static string SupportedStorages => string.Join(", ", s_storages.Keys);

    /// <summary>GLOBAL: storage classes and dtypes become torch objects, anything else a description.</summary>
    public static object FindClass(string module, string name)
    {
        // Pre-1.6 files saved from the GPU name torch.cuda.FloatStorage; the bytes are the same.
        if (module is "torch" or "torch.cuda" or "torch.storage" && name.EndsWith("Storage", StringComparison.Ordinal))
            return new StorageType($"{module}.{name}", s_storages.TryGetValue(name, out var st) ? st : null);
        if (module == "torch" && s_dtypes.TryGetValue(name, out var dt)) return new TorchDType(dt);
        return new PyGlobal(module, name);
    }

    /// <summary>REDUCE: the callables that rebuild tensors and dicts; any other call yields an opaque object.</summary>
    public static object? Reduce(object? callable, object?[] args)
    {
        if (callable is not PyGlobal g) return new PyObject(callable, args);
        switch (g.Module, g.Name)
        {
            case ("collections", "OrderedDict"):
                {
                    var dict = new PyDict(ordered: true);
                    if (args.Length == 1 && args[0] is List<object?> pairs)
                    {
                        foreach (var pair in pairs)
                        {
                            if (pair is not object?[] { Length: 2 } kv) throw new CorruptCheckpointException("OrderedDict built from an item that is not a pair");
                            dict.Set(kv[0], kv[1]);
                        }
                    }
                    return dict;
                }
            case ("torch._utils", "_rebuild_tensor_v2"):
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                return RebuildTensor(g, args, 6);
            case ("torch._utils", "_rebuild_tensor"):
                // (storage, storage_offset, size, stride): files from torch < 1.0
                return RebuildTensor(g, args, 4);
            case ("torch._utils", "_rebuild_parameter"):
            case ("torch._utils", "_rebuild_parameter_with_state"):
                // (data, requires_grad, backward_hooks[, state]): the data is the tensor; a parameter
                // wrapping something unsupported stays that thing so the error names its real builder.
                if (args.Length < 3) throw new CorruptCheckpointException($"{g} takes at least 3 arguments, the pickle gives {args.Length}");
                return args[0];
            case ("torch._tensor", "_rebuild_from_type_v2"):
                // (func, new_type, args, state): a tensor subclass rebuilt by func(*args); the subclass is dropped.
                if (args.Length < 3 || args[2] is not object?[] inner)
                    throw new CorruptCheckpointException($"{g} takes (func, type, args, state), the pickle gives something else");
                return Reduce(args[0], inner);
            default:
                return new PyObject(g, args);
        }
    }

    private static TensorRef RebuildTensor(PyGlobal g, object?[] args, int minimum)
    {
        if (args.Length < minimum) throw new CorruptCheckpointException($"{g} takes at least {minimum} arguments, the pickle gives {args.Length}");
        if (args[0] is not StorageRef storage)
            throw new CorruptCheckpointException($"{g} expects a storage as its first argument, the pickle gives a {Python.TypeName(args[0])}");
        var offset = AsLong(args[1], g, "storage_offset");
        var size = AsLongs(args[2], g, "size");
        var stride = AsLongs(args[3], g, "stride");
        if (size.Length != stride.Length)
            throw new CorruptCheckpointException($"{g} gives {size.Length} sizes but {stride.Length} strides");
        return new TensorRef(storage, offset, size, stride);
    }

    private static long AsLong(object? value, PyGlobal g, string what) => value switch
    {
        long v => v,
        bool b => b ? 1 : 0,
        _ => throw new CorruptCheckpointException($"{g}: {what} is a {Python.TypeName(value)}, expected an int"),
    };

    private static long[] AsLongs(object? value, PyGlobal g, string what)
    {
        IReadOnlyList<object?> items = value switch
        {
            object?[] tuple => tuple,
            List<object?> list => list,
            // torch.Size pickles as REDUCE(torch.Size, (tuple,)) in some versions.
            PyObject { Callable: PyGlobal { Module: "torch", Name: "Size" }, Args: object?[] { Length: 1 } a } when a[0] is object?[] t => t,
            _ => throw new CorruptCheckpointException($"{g}: {what} is a {Python.TypeName(value)}, expected a tuple of ints"),
        };
        var result = new long[items.Count];
        for (var i = 0; i < result.Length; i++) result[i] = AsLong(items[i], g, what);
        return result;
    }

    /// <summary>A persistent id's string field (Python 2 files may store bytes).</summary>
    public static string AsString(object? value, string what) => value switch
    {
        string s => s,
        byte[] b => System.Text.Encoding.ASCII.GetString(b),
        _ => throw new CorruptCheckpointException($"the storage id's {what} is a {Python.TypeName(value)}, expected a str"),
    };

    public static long AsCount(object? value, string what) => value switch
    {
        long v when v >= 0 => v,
        _ => throw new CorruptCheckpointException($"the storage id's {what} is {Describe(value)}, expected a non-negative int"),
    };

    public static ScalarType StorageDType(object? value) => value switch
    {
        StorageType { DType: { } dt } => dt,
        StorageType st => throw new CorruptCheckpointException(
            $"storage class {st.FullName} is not supported (supported: {SupportedStorages})",
            "Convert those tensors to a supported dtype in Python (e.g. tensor.float()) and save the file again"),
        _ => throw new CorruptCheckpointException($"the storage id names a {Python.TypeName(value)} where a storage class was expected"),
    };

    private static string Describe(object? value) => value is long or BigInteger ? value.ToString()! : $"a {Python.TypeName(value)}";

    public static string TypeName(object? value) => value switch
    {
        StorageType st => $"storage class {st.FullName}",
        TorchDType dt => $"dtype {dt.DType}",
        StorageRef => "storage",
        TensorRef => "tensor",
        _ => value?.GetType().Name ?? "None",
    };

    /// <summary>An object whose builder is a torch global that makes tensors this reader cannot: sparse, quantized, nested, ...</summary>
    public static bool IsUnsupportedTensor(object? value, out string builder)
    {
        if (value is PyObject { Callable: PyGlobal g } && g.Module.StartsWith("torch", StringComparison.Ordinal)
            && (g.Name.Contains("rebuild", StringComparison.OrdinalIgnoreCase) || g.Name.Contains("Tensor", StringComparison.Ordinal)))
        {
            builder = g.ToString();
            return true;
        }
        builder = "";
        return false;
    }
}
