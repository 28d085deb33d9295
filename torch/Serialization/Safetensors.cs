// safetensors: https://github.com/huggingface/safetensors (README "Format"; the
// reference reader is safetensors/src/tensor.rs). Layout: an unsigned 64-bit
// little-endian header size N, N bytes of UTF-8 JSON, then the data buffer.
// The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin,
// end]} (offsets relative to the buffer) and may hold "__metadata__", a
// string-to-string map. The reference implementation rejects headers over
// 100 MB and buffers that the tensors do not tile exactly (no gaps, no overlap,
// no trailing bytes); this reader applies the same rules so that a file it
// accepts loads everywhere, and the writer produces only such files.

using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnomalyBench.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors checkpoint format: a JSON header followed by
/// the raw little-endian tensor bytes, no code execution, loadable by Python's
/// <c>safetensors</c> package. Tensors are returned on the CPU.
/// </summary>
public static class Safetensors
{
    /// <summary>The largest header the reference implementation accepts.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";
    private const string ReadAdvice = "The file is truncated or corrupt, or not a safetensors file: write it again or re-download it";

    /// <summary>
    /// Loads every tensor of a safetensors file, in the header's order, with its
    /// <c>__metadata__</c> in <see cref="StateDict.Metadata"/>. The caller disposes the result.
    /// </summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">the file is truncated, corrupt or not safetensors.</exception>
    public static StateDict Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"safetensors file not found: {full}", full);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return LoadCore(stream, full);
    }

    /// <summary>
    /// Loads from a readable, seekable stream whose remaining bytes (from its current
    /// position) are one safetensors file. <paramref name="sourceName"/> names it in errors.
    /// </summary>
    public static StateDict Load(Stream stream, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek) throw new ArgumentException("safetensors needs a readable, seekable stream", nameof(stream));
        return LoadCore(stream, sourceName);
    }

    /// <summary>
    /// Writes the state dict in its own order with its metadata. The file is written
    /// under a temporary name in the same folder and then renamed over
    /// <paramref name="path"/>, so a reader never sees a half-written file.
    /// </summary>
    public static void Save(string path, StateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full) ?? throw new ArgumentException($"no folder in path {full}", nameof(path));
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"cannot save {full}: the folder {folder} does not exist");
        AtomicFile.Write(full, stream => Save(stream, stateDict));
    }

    /// <summary>Writes the state dict in safetensors format to a stream (not closed).</summary>
    public static void Save(Stream stream, StateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(stateDict);

        var entries = new List<(string Name, Tensor Tensor, long Bytes)>(stateDict.Count);
        foreach (var (name, tensor) in stateDict)
        {
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved by safetensors and cannot name a tensor", nameof(stateDict));
            var dtype = tensor.dtype;
            _ = DTypeName(dtype);
            long numel = 1;
            foreach (var d in tensor.shape) numel = checked(numel * d);
            entries.Add((name, tensor, checked(numel * dtype.ElementSize())));
        }

        var header = WriteHeader(stateDict, entries);
        var padded = header.Length + (8 - header.Length % 8) % 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(header);
        for (var i = header.Length; i < padded; i++) stream.WriteByte((byte)' ');

        foreach (var (name, tensor, expected) in entries)
        {
            var bytes = tensor.bytes();
            if (bytes.LongLength != expected)
                throw new InvalidOperationException($"tensor '{name}' gave {bytes.LongLength} bytes, its shape and dtype need {expected}");
            stream.Write(bytes);
        }
    }

    private static byte[] WriteHeader(StateDict stateDict, List<(string Name, Tensor Tensor, long Bytes)> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps names readable (the reference writer emits raw UTF-8); the JSON stays valid.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (stateDict.Metadata.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                // Sorted so that the same state dict always gives the same bytes.
                foreach (var (key, value) in stateDict.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor, bytes) in entries)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", DTypeName(tensor.dtype));
                json.WriteStartArray("shape");
                foreach (var d in tensor.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    // Reading ------------------------------------------------------------------

    private sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    private static StateDict LoadCore(Stream stream, string source)
    {
        try
        {
            return Read(stream);
        }
        catch (CorruptCheckpointException e)
        {
            throw new CheckpointFormatException(source, e.Message, e.Advice ?? ReadAdvice, e);
        }
    }

    private static StateDict Read(Stream stream)
    {
        var start = stream.Position;
        var fileLength = stream.Length - start;
        if (fileLength < 8)
            throw new CorruptCheckpointException($"the file has {fileLength} bytes, fewer than the 8-byte header size that starts a safetensors file");

        Span<byte> prefix = stackalloc byte[8];
        ReadAt(stream, start, prefix, "the header size");
        var headerSize = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerSize > (ulong)(fileLength - 8))
            throw new CorruptCheckpointException($"the header size is {headerSize} bytes, but only {fileLength - 8} bytes follow it");
        if (headerSize > MaxHeaderBytes)
            throw new CorruptCheckpointException($"the header size is {headerSize} bytes, more than the {MaxHeaderBytes} that safetensors allows");
        if (headerSize < 2)
            throw new CorruptCheckpointException($"the header size is {headerSize} bytes, too small for a JSON object");

        var header = new byte[headerSize];
        ReadAt(stream, start + 8, header, "the header");
        var dataStart = start + 8 + (long)headerSize;
        var dataLength = fileLength - 8 - (long)headerSize;

        var (entries, metadata) = ParseHeader(header);
        CheckLayout(entries, dataLength);

        var result = new StateDict();
        try
        {
            foreach (var (key, value) in metadata) result.Metadata[key] = value;
            var largest = entries.Count == 0 ? 0 : entries.Max(e => e.End - e.Begin);
            var buffer = new byte[largest];
            foreach (var e in entries)
            {
                var span = buffer.AsSpan(0, (int)(e.End - e.Begin));
                ReadAt(stream, dataStart + e.Begin, span, $"tensor '{e.Name}'");
                if (e.DType == ScalarType.Bool) CheckBool(span, $"bool tensor '{e.Name}'");
                result.Add(e.Name, torch.from_bytes(span, e.DType, e.Shape));
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static (List<Entry> Entries, List<KeyValuePair<string, string>> Metadata) ParseHeader(byte[] header)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new CorruptCheckpointException($"the header is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CorruptCheckpointException($"the header is a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object");
            var entries = new List<Entry>();
            var metadata = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new CorruptCheckpointException($"the header names '{property.Name}' twice");
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw new CorruptCheckpointException($"'{MetadataKey}' is a JSON {property.Value.ValueKind.ToString().ToLowerInvariant()}, not an object of strings");
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new CorruptCheckpointException($"metadata '{m.Name}' is a JSON {m.Value.ValueKind.ToString().ToLowerInvariant()}, safetensors metadata values are strings");
                        metadata.Add(new(m.Name, m.Value.GetString()!));
                    }
                    continue;
                }
                entries.Add(ParseEntry(property.Name, property.Value));
            }
            return (entries, metadata);
        }
    }

    private static Entry ParseEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CorruptCheckpointException($"tensor '{name}' is described by a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CorruptCheckpointException($"tensor '{name}' has no \"dtype\" string");
        var dtypeName = dtypeElement.GetString()!;
        if (!TryParseDType(dtypeName, out var dtype))
            throw new CorruptCheckpointException(
                $"tensor '{name}' has dtype '{dtypeName}', which AnomalyBench does not support (supported: {string.Join(", ", s_names.Values)})",
                "Convert the tensor to a supported dtype in Python and save the file again");
        var shape = ReadInts(name, value, "shape", -1);
        var offsets = ReadInts(name, value, "data_offsets", 2);
        if (offsets[0] > offsets[1])
            throw new CorruptCheckpointException($"tensor '{name}' has data_offsets [{offsets[0]}, {offsets[1]}], which end before they begin");

        long expected = dtype.ElementSize();
        try
        {
            foreach (var d in shape) expected = checked(expected * d);
        }
        catch (OverflowException)
        {
            throw new CorruptCheckpointException($"tensor '{name}' has shape [{string.Join(", ", shape)}], too large to address");
        }
        if (offsets[1] - offsets[0] != expected)
            throw new CorruptCheckpointException(
                $"tensor '{name}' ({dtypeName}, shape [{string.Join(", ", shape)}]) needs {expected} bytes, its data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}");
        if (expected > Array.MaxLength)
            throw new CorruptCheckpointException(
                $"tensor '{name}' has {expected} bytes; this reader loads tensors of at most {Array.MaxLength} bytes",
                "Split the tensor into smaller ones before saving");
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadInts(string name, JsonElement value, string field, int count)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new CorruptCheckpointException($"tensor '{name}' has no \"{field}\" array");
        var result = new long[array.GetArrayLength()];
        if (count >= 0 && result.Length != count)
            throw new CorruptCheckpointException($"tensor '{name}' has {result.Length} \"{field}\" values, expected {count}");
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
                throw new CorruptCheckpointException($"tensor '{name}' has \"{field}\" value {item.GetRawText()}, expected a non-negative integer");
            result[i++] = v;
        }
        return result;
    }

    /// <summary>The tensors must tile the data buffer exactly, as the reference reader requires.</summary>
    private static void CheckLayout(List<Entry> entries, long dataLength)
    {
        foreach (var e in entries)
        {
            if (e.End > dataLength)
                throw new CorruptCheckpointException(
                    $"tensor '{e.Name}' ends at byte {e.End} of the data buffer, which holds only {dataLength} bytes (the file is truncated)");
        }
        long position = 0;
        Entry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < position)
                throw new CorruptCheckpointException(
                    $"tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps tensor '{previous!.Name}' (bytes {previous.Begin}..{previous.End})");
            if (e.Begin > position)
                throw new CorruptCheckpointException($"the data buffer has unused bytes {position}..{e.Begin} before tensor '{e.Name}'");
            position = e.End;
            previous = e;
        }
        if (position != dataLength)
            throw new CorruptCheckpointException($"the data buffer has {dataLength - position} bytes after the last tensor");
    }

    private static void ReadAt(Stream stream, long position, Span<byte> destination, string what)
    {
        stream.Position = position;
        var read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read != destination.Length)
            throw new CorruptCheckpointException($"the file ended while reading {what} ({read} of {destination.Length} bytes)");
    }

    /// <summary>libtorch assumes bool bytes are 0 or 1; anything else would read back as garbage.</summary>
    internal static void CheckBool(ReadOnlySpan<byte> bytes, string what)
    {
        var bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
            throw new CorruptCheckpointException($"{what} holds the byte {bytes[bad]} at element {bad}; bools are 0 or 1");
    }

    // Dtypes -------------------------------------------------------------------

    private static readonly Dictionary<ScalarType, string> s_names = new()
    {
        [ScalarType.Float32] = "F32",
        [ScalarType.Float16] = "F16",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float64] = "F64",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16",
        [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8",
        [ScalarType.Bool] = "BOOL",
    };

    private static readonly Dictionary<string, ScalarType> s_types =
        s_names.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    private static string DTypeName(ScalarType type) =>
        s_names.TryGetValue(type, out var name) ? name : throw new NotSupportedException($"safetensors: no dtype name for {type}");

    private static bool TryParseDType(string name, out ScalarType type) => s_types.TryGetValue(name, out type);
}
