// Reads torch.save files without Python, following PyTorch's
// torch/serialization.py (save/_save/_legacy_save and load/_load/_legacy_load):
//
// - zip format (torch >= 1.6): a zip archive whose entries all sit in one folder
//   (the file's name without extension, or "archive"): <folder>/data.pkl (the pickled object), <folder>/data/<key>
//   (each storage's raw little-endian bytes), <folder>/version and, in newer
//   versions, <folder>/byteorder. A persistent id ('storage', storage_class, key, location,
//   numel) in the pickle names each storage.
// - legacy format (before 1.6, or _use_new_zipfile_serialization=False):
//   consecutive pickles: the magic number 0x1950a86a20f9469cfc6c, the protocol
//   version 1001, a sys_info dict, the object (persistent ids ('storage',
//   storage_class, root_key, location, numel, view_metadata) where view_metadata
//   is None or (view_key, offset, numel)), then the sorted list of root storage
//   keys; then, per key in that order, an int64 little-endian element count and
//   that many elements' raw bytes.
//
// libtorch 1.13's own pickle loader (torch::pickle_load) aborts on real state
// dicts, hence this reader in C#. Tensors are views (offset, size, stride) into
// storages that several tensors may share; each is materialized as its own
// contiguous CPU tensor.

using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace AnomalyBench.Torch.Serialization;

/// <summary>
/// Loads the tensors of a PyTorch checkpoint written by <c>torch.save</c> (zip and legacy
/// formats), such as torchvision's published weights, without Python.
/// </summary>
/// <remarks>
/// <para>What is returned: the tensors of the pickled top-level dict (a plain dict or an
/// <c>OrderedDict</c> state dict), in the file's order. When that dict holds no tensor but
/// has a <c>state_dict</c>, <c>model_state_dict</c> or <c>model</c> entry that is a dict of
/// tensors (training checkpoints such as <c>{"epoch": 3, "state_dict": {...}}</c>), that
/// entry's tensors are returned instead. Values that are not tensors (ints, strings, lists,
/// nested dicts, other objects) are skipped; the <c>_metadata</c> of an OrderedDict state
/// dict is ignored.</para>
/// <para>Tensors come back contiguous, on the CPU, with the stored dtype (or float32 for
/// float16/bfloat16 with <c>halfToFloat32</c>), not requiring gradients. Supported storage
/// types: float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool.
/// Sparse, quantized or other tensor kinds are an error that names their builder. Each
/// storage must be smaller than 2 GiB. Nothing in the file is executed.</para>
/// </remarks>
public static class PyTorchCheckpoint
{
    private const string Advice = "The file is truncated or corrupt, or not a torch.save checkpoint: download or save it again";
    private const string SaveStateDictAdvice = "In Python, save the weights with torch.save(model.state_dict(), path)";
    private const string TooLargeAdvice = "Split the tensor into smaller ones, or save the weights as safetensors";
    private const string BigEndianAdvice = "Load it with torch on a little-endian machine and save it again";
    private static readonly BigInteger s_legacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", NumberStyles.HexNumber);
    private const long LegacyProtocolVersion = 1001;

    /// <summary>Entries of a training checkpoint that may hold the state dict, tried in this order.</summary>
    private static readonly string[] s_nestedStateDictKeys = ["state_dict", "model_state_dict", "model"];

    /// <summary>
    /// Loads the state dict of a <c>torch.save</c> file (<c>.pth</c>, <c>.pt</c>, <c>.bin</c>). The caller disposes the result.
    /// </summary>
    /// <param name="path">the checkpoint file.</param>
    /// <param name="halfToFloat32">convert float16 and bfloat16 tensors to float32 (torchvision's 2019 weights store float16).</param>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">the file is truncated, corrupt, not a torch.save file, or holds no readable state dict.</exception>
    public static StateDict Load(string path, bool halfToFloat32 = false)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"PyTorch checkpoint not found: {full}", full);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            return LoadCore(stream, halfToFloat32);
        }
        catch (CorruptCheckpointException e)
        {
            throw new CheckpointFormatException(full, e.Message, e.Advice ?? Advice, e);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(full, $"the zip archive cannot be read ({e.Message})", Advice, e);
        }
    }

    private static StateDict LoadCore(FileStream stream, bool halfToFloat32)
    {
        Span<byte> head = stackalloc byte[512];
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        stream.Position = 0;
        if (n == 0) throw new CorruptCheckpointException("the file is empty");
        if (n < 8) throw new CorruptCheckpointException($"the file has only {n} bytes, too few for a checkpoint (the file is truncated)");
        if (head.StartsWith("PK\x03\x04"u8)) return LoadZip(stream, halfToFloat32);
        if (head[0] == 0x80) return LoadLegacy(stream, halfToFloat32);
        if (n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
            throw new CorruptCheckpointException("this is PyTorch's tar-based format (torch < 0.4), which is not supported",
                "Load it with torch in Python and save it again with torch.save");
        if (n >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(head) < (ulong)stream.Length && head[8] == (byte)'{')
            throw new CorruptCheckpointException("this is a safetensors file, not a torch.save checkpoint", "Load it with Safetensors.Load");
        throw new CorruptCheckpointException(
            $"not a torch.save checkpoint: it starts with {Convert.ToHexString(head[..Math.Min(8, n)])}, neither a zip archive (torch >= 1.6) nor a pickle (legacy format)");
    }

    // Zip format -----------------------------------------------------------------

    private static StateDict LoadZip(FileStream stream, bool halfToFloat32)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var pkl = zip.Entries
            .Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
            .OrderBy(e => e.FullName.Count(c => c == '/'))
            .FirstOrDefault();
        if (pkl is null)
        {
            var names = string.Join(", ", zip.Entries.Take(5).Select(e => e.FullName));
            throw new CorruptCheckpointException($"the zip archive has no data.pkl (it holds {zip.Entries.Count} entries: {names}...), so it is not a torch.save checkpoint");
        }
        var prefix = pkl.FullName[..^"data.pkl".Length];
        var isTorchScript = zip.GetEntry(prefix + "constants.pkl") is not null;

        var byteorder = zip.GetEntry(prefix + "byteorder");
        if (byteorder is not null)
        {
            var order = Encoding.ASCII.GetString(ReadEntry(byteorder, byteorder.Length));
            if (order != "little")
                throw new CorruptCheckpointException($"the checkpoint was written on a '{order}'-endian machine; only little-endian files are supported", BigEndianAdvice);
        }

        var storages = new Dictionary<string, StorageData>(StringComparer.Ordinal);
        object? PersistentLoad(object? pid)
        {
            if (pid is not object?[] { Length: >= 5 } t || TorchPickle.AsString(t[0], "kind") != "storage")
                throw new CorruptCheckpointException($"unexpected persistent id {Python.TypeName(pid)}; torch.save writes ('storage', class, key, location, numel)");
            var dtype = TorchPickle.StorageDType(t[1]);
            var key = TorchPickle.AsString(t[2], "key");
            var location = TorchPickle.AsString(t[3], "location");
            var numel = TorchPickle.AsCount(t[4], "numel");
            var data = Storage(storages, key, dtype, numel);
            if (data.Loader is null)
            {
                var entryName = $"{prefix}data/{key}";
                data.Loader = () => ReadStorageEntry(zip, entryName, data);
            }
            return new StorageRef(data, 0, numel, location);
        }

        var pickle = ReadEntry(pkl, pkl.Length);
        var root = new Unpickler(new MemoryStream(pickle, writable: false), pkl.FullName, 0, PersistentLoad).Load();
        if (isTorchScript && root is not PyDict)
            throw new CorruptCheckpointException("this is a TorchScript archive (torch.jit.save), not a torch.save state dict", SaveStateDictAdvice);
        return Materialize(root, halfToFloat32);
    }

    private static byte[] ReadStorageEntry(ZipArchive zip, string entryName, StorageData data)
    {
        var entry = zip.GetEntry(entryName)
            ?? throw new CorruptCheckpointException($"the zip archive has no entry '{entryName}' for storage '{data.Key}' (the file is incomplete)");
        var expected = StorageBytes(data, data.DeclaredNumel);
        if (entry.Length < expected)
            throw new CorruptCheckpointException(
                $"storage entry '{entryName}' holds {entry.Length} bytes, but the pickle declares {data.DeclaredNumel} {data.DType} elements ({expected} bytes)");
        return ReadEntry(entry, expected);
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, long count)
    {
        if (count > Array.MaxLength)
            throw new CorruptCheckpointException($"zip entry '{entry.FullName}' has {count} bytes; this reader handles at most {Array.MaxLength}", TooLargeAdvice);
        var bytes = new byte[count];
        using var s = entry.Open();
        var read = s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read != bytes.Length) throw new CorruptCheckpointException($"zip entry '{entry.FullName}' ended after {read} of {count} bytes");
        return bytes;
    }

    // Legacy format --------------------------------------------------------------

    private static StateDict LoadLegacy(FileStream stream, bool halfToFloat32)
    {
        var storages = new Dictionary<string, StorageData>(StringComparer.Ordinal);
        object? PersistentLoad(object? pid)
        {
            if (pid is not object?[] { Length: >= 1 } t)
                throw new CorruptCheckpointException($"unexpected persistent id {Python.TypeName(pid)}; torch.save writes a tuple");
            var kind = TorchPickle.AsString(t[0], "kind");
            // ('module', class, source_file, source): a pickled nn.Module class; only its source check needs it.
            if (kind == "module") return t.Length > 1 ? t[1] : null;
            if (kind != "storage" || t.Length < 6)
                throw new CorruptCheckpointException($"unexpected persistent id ('{kind}', ...) with {t.Length} fields; torch.save writes ('storage', class, key, location, numel, view)");
            var dtype = TorchPickle.StorageDType(t[1]);
            var key = TorchPickle.AsString(t[2], "key");
            var location = TorchPickle.AsString(t[3], "location");
            var numel = TorchPickle.AsCount(t[4], "numel");
            var root = Storage(storages, key, dtype, numel);
            switch (t[5])
            {
                case null:
                    return new StorageRef(root, 0, numel, location);
                case object?[] { Length: 3 } view:
                    // A view (of torch < 0.4 storage slicing): (view_key, offset, size) in elements of the root.
                    var offset = TorchPickle.AsCount(view[1], "view offset");
                    var size = TorchPickle.AsCount(view[2], "view size");
                    return new StorageRef(root, offset, size, location);
                default:
                    throw new CorruptCheckpointException($"the storage id's view metadata is a {Python.TypeName(t[5])}, expected None or (key, offset, size)");
            }
        }

        var unpickler = new Unpickler(stream, "the file", 0, PersistentLoad);
        var magic = unpickler.Load();
        if (!(magic is BigInteger m && m == s_legacyMagic))
            throw new CorruptCheckpointException("the file is a pickle but does not start with torch.save's magic number; it is not a torch.save checkpoint");
        var version = unpickler.Load();
        if (version is not LegacyProtocolVersion)
            throw new CorruptCheckpointException($"legacy protocol version {version ?? "None"}, expected {LegacyProtocolVersion}");
        if (unpickler.Load() is PyDict sysInfo && sysInfo.TryGet("little_endian", out var little) && little is false)
            throw new CorruptCheckpointException("the checkpoint was written on a big-endian machine; only little-endian files are supported", BigEndianAdvice);
        var root = unpickler.Load();
        if (unpickler.Load() is not List<object?> keys)
            throw new CorruptCheckpointException("the list of storage keys after the pickled object is missing");

        var position = unpickler.Position;
        var length = stream.Length;
        Span<byte> count = stackalloc byte[8];
        foreach (var item in keys)
        {
            var key = TorchPickle.AsString(item, "key");
            if (!storages.TryGetValue(key, out var data))
                throw new CorruptCheckpointException($"the storage list names '{key}', which no tensor uses, so its element size is unknown");
            if (data.Loader is not null) throw new CorruptCheckpointException($"the storage list names '{key}' twice");
            if (position + 8 > length)
                throw new CorruptCheckpointException($"the file ends at byte {length}, before the size of storage '{key}' (the file is truncated)");
            stream.Position = position;
            stream.ReadExactly(count);
            var numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (numel < 0) throw new CorruptCheckpointException($"storage '{key}' has a negative element count {numel}");
            var bytes = StorageBytes(data, numel);
            var start = position + 8;
            if (bytes > length - start)
                throw new CorruptCheckpointException(
                    $"storage '{key}' needs {bytes} bytes from byte {start}, but the file ends at byte {length} (the file is truncated)");
            data.Loader = () =>
            {
                var buffer = new byte[bytes];
                stream.Position = start;
                stream.ReadExactly(buffer);
                return buffer;
            };
            position = start + bytes;
        }
        return Materialize(root, halfToFloat32);
    }

    // Shared ---------------------------------------------------------------------

    private static StorageData Storage(Dictionary<string, StorageData> storages, string key, ScalarType dtype, long numel)
    {
        if (storages.TryGetValue(key, out var data))
        {
            if (data.DType != dtype)
                throw new CorruptCheckpointException($"storage '{key}' is used both as {data.DType} and as {dtype}");
            return data;
        }
        return storages[key] = new StorageData(key, dtype, numel);
    }

    private static long StorageBytes(StorageData data, long numel)
    {
        long bytes;
        try
        {
            bytes = checked(numel * data.DType.ElementSize());
        }
        catch (OverflowException)
        {
            throw new CorruptCheckpointException($"storage '{data.Key}' declares {numel} elements, too many to address");
        }
        if (bytes > Array.MaxLength)
            throw new CorruptCheckpointException($"storage '{data.Key}' has {bytes} bytes; this reader handles storages of at most {Array.MaxLength} bytes", TooLargeAdvice);
        return bytes;
    }

    private static PyDict SelectStateDict(object? root)
    {
        if (root is not PyDict dict)
        {
            var what = root is PyObject o ? $"a pickled object ({o.Callable})" : $"a {Python.TypeName(root)}";
            throw new CorruptCheckpointException($"the file holds {what}, not a dict of tensors", SaveStateDictAdvice);
        }
        if (dict.Items.Count == 0 || dict.Items.Any(kv => IsTensorValue(kv.Value))) return dict;
        foreach (var key in s_nestedStateDictKeys)
        {
            if (dict.TryGet(key, out var nested) && nested is PyDict inner && inner.Items.Any(kv => IsTensorValue(kv.Value)))
                return inner;
        }
        var keys = string.Join(", ", dict.Items.Take(10).Select(kv => $"'{kv.Key}'"));
        throw new CorruptCheckpointException(
            $"the top-level dict holds no tensors and no '{string.Join("'/'", s_nestedStateDictKeys)}' entry with tensors (its keys: {keys}{(dict.Items.Count > 10 ? ", ..." : "")})",
            SaveStateDictAdvice);
    }

    private static bool IsTensorValue(object? value) => value is TensorRef || TorchPickle.IsUnsupportedTensor(value, out _);

    private static StateDict Materialize(object? root, bool halfToFloat32)
    {
        var dict = SelectStateDict(root);
        var selected = new List<(string Name, TensorRef Tensor)>();
        foreach (var (key, value) in dict.Items)
        {
            var name = key switch
            {
                string s => s,
                long or BigInteger or bool => Convert.ToString(key, CultureInfo.InvariantCulture)!,
                _ => throw new CorruptCheckpointException($"a state-dict key is a {Python.TypeName(key)}, expected a str"),
            };
            if (value is TensorRef t)
            {
                selected.Add((name, t));
                t.Storage.Root.Users++;
            }
            else if (TorchPickle.IsUnsupportedTensor(value, out var builder))
            {
                throw new CorruptCheckpointException(
                    $"'{name}' is built by {builder}, which this reader does not support (it reads dense tensors only)",
                    "Convert it to a dense tensor in Python (to_dense(), dequantize()) or leave it out, and save the file again");
            }
        }

        var result = new StateDict();
        try
        {
            foreach (var (name, tensorRef) in selected)
            {
                if (result.ContainsKey(name)) throw new CorruptCheckpointException($"the state dict names '{name}' twice");
                result.Add(name, MaterializeTensor(name, tensorRef, halfToFloat32));
                var storage = tensorRef.Storage.Root;
                if (--storage.Users == 0) storage.Release();
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
        finally
        {
            foreach (var (_, tensorRef) in selected) tensorRef.Storage.Root.Release();
        }
    }

    private static Tensor MaterializeTensor(string name, TensorRef t, bool halfToFloat32)
    {
        var dtype = t.Storage.Root.DType;
        string Shape() => $"size [{string.Join(", ", t.Size)}], stride [{string.Join(", ", t.Stride)}], offset {t.StorageOffset}";

        if (t.StorageOffset < 0 || t.Size.Any(s => s < 0) || t.Stride.Any(s => s < 0))
            throw new CorruptCheckpointException($"tensor '{name}' has a negative {Shape()}");
        long numel = 1, last = t.StorageOffset;
        bool contiguous = true;
        try
        {
            long expectedStride = 1;
            for (var d = t.Size.Length - 1; d >= 0; d--)
            {
                numel = checked(numel * t.Size[d]);
                if (t.Size[d] == 0) continue;
                last = checked(last + (t.Size[d] - 1) * t.Stride[d]);
                if (t.Size[d] != 1 && t.Stride[d] != expectedStride) contiguous = false;
                expectedStride = checked(expectedStride * t.Size[d]);
            }
        }
        catch (OverflowException)
        {
            throw new CorruptCheckpointException($"tensor '{name}' has {Shape()}, too large to address");
        }
        var result = numel == 0 ? torch.from_bytes([], dtype, t.Size) : Read(name, t, numel, last, contiguous, Shape());
        if (halfToFloat32 && dtype is ScalarType.Float16 or ScalarType.BFloat16)
        {
            using var half = result;
            result = half.to(ScalarType.Float32);
        }
        return result;
    }

    private static Tensor Read(string name, TensorRef t, long numel, long last, bool contiguous, string layout)
    {
        var view = t.Storage;
        var storage = view.Root;
        var dtype = storage.DType;
        var elementSize = dtype.ElementSize();
        var bytes = storage.Bytes;
        var available = bytes.LongLength / elementSize;
        if (view.ElementOffset + view.Numel > available)
            throw new CorruptCheckpointException(
                $"storage '{storage.Key}' holds {available} {dtype} elements, but a view of it needs {view.ElementOffset + view.Numel}");
        if (last >= view.Numel)
            throw new CorruptCheckpointException(
                $"tensor '{name}' ({layout}) needs element {last} of storage '{storage.Key}', which holds {view.Numel} {dtype} elements");

        var start = view.ElementOffset + t.StorageOffset;
        // A contiguous range is copied straight from the bytes; other layouts (transposed,
        // expanded) go through one 1-D tensor of the whole storage, shared by its views.
        if (contiguous) return torch.from_bytes(bytes.AsSpan((int)(start * elementSize), (int)(numel * elementSize)), dtype, t.Size);
        storage.Tensor ??= torch.from_bytes(bytes, dtype, [available]);
        using var strided = storage.Tensor.as_strided(t.Size, t.Stride, start);
        return strided.contiguous();
    }
}
