using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace AnomalyBench.Tests.Torch.Serialization;

/// <summary>
/// Writes pickles opcode by opcode (CPython's Lib/pickletools.py names), so that tests
/// reach opcodes and layouts that the fixtures, written by torch.save with protocol 2, do not.
/// </summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _out = new();

    public byte[] ToArray() => _out.ToArray();

    public PickleBuilder Op(byte op)
    {
        _out.WriteByte(op);
        return this;
    }

    public PickleBuilder Raw(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        return this;
    }

    private PickleBuilder U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Raw(b);
    }

    private PickleBuilder U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return Raw(b);
    }

    public PickleBuilder Proto(byte version) => Op(0x80).Op(version);
    public PickleBuilder Frame(ulong length) => Op(0x95).U64(length);
    public PickleBuilder Stop() => Op((byte)'.');
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder Global(string module, string name) => Op((byte)'c').Raw(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
    public PickleBuilder StackGlobal(string module, string name) => ShortStr(module).ShortStr(name).Op(0x93);
    public PickleBuilder Put(uint index) => index < 256 ? Op((byte)'q').Op((byte)index) : Op((byte)'r').U32(index);
    public PickleBuilder LongPut(uint index) => Op((byte)'r').U32(index);
    public PickleBuilder Memoize() => Op(0x94);
    public PickleBuilder Get(uint index) => index < 256 ? Op((byte)'h').Op((byte)index) : Op((byte)'j').U32(index);
    public PickleBuilder LongGet(uint index) => Op((byte)'j').U32(index);
    public PickleBuilder EmptyDict() => Op((byte)'}');
    public PickleBuilder EmptyList() => Op((byte)']');
    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder Tuple1() => Op(0x85);
    public PickleBuilder Tuple2() => Op(0x86);
    public PickleBuilder Tuple3() => Op(0x87);
    public PickleBuilder SetItem() => Op((byte)'s');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder Append() => Op((byte)'a');
    public PickleBuilder Appends() => Op((byte)'e');
    public PickleBuilder None() => Op((byte)'N');
    public PickleBuilder True() => Op(0x88);
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder Build() => Op((byte)'b');
    public PickleBuilder NewObj() => Op(0x81);
    public PickleBuilder PersId() => Op((byte)'Q');
    public PickleBuilder Pop() => Op((byte)'0');
    public PickleBuilder PopMark() => Op((byte)'1');
    public PickleBuilder Dup() => Op((byte)'2');

    /// <summary>BININT1, BININT2 or BININT as the value needs; LONG1 beyond 32 bits.</summary>
    public PickleBuilder Int(long v)
    {
        if (v is >= 0 and < 256) return Op((byte)'K').Op((byte)v);
        if (v is >= 0 and < 65536) return Op((byte)'M').Op((byte)v).Op((byte)(v >> 8));
        if (v is >= int.MinValue and <= int.MaxValue) return Op((byte)'J').U32((uint)(int)v);
        return Long1(v);
    }

    public PickleBuilder Long1(BigInteger v)
    {
        var bytes = v.ToByteArray(isUnsigned: false, isBigEndian: false);
        return Op(0x8a).Op((byte)bytes.Length).Raw(bytes);
    }

    public PickleBuilder Long4(BigInteger v)
    {
        var bytes = v.ToByteArray(isUnsigned: false, isBigEndian: false);
        return Op(0x8b).U32((uint)bytes.Length).Raw(bytes);
    }

    public PickleBuilder Float(double v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, v);
        return Op((byte)'G').Raw(b);
    }

    public PickleBuilder Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op((byte)'X').U32((uint)b.Length).Raw(b);
    }

    public PickleBuilder ShortStr(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op(0x8c).Op((byte)b.Length).Raw(b);
    }

    public PickleBuilder Str8(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op(0x8d).U64((ulong)b.Length).Raw(b);
    }

    public PickleBuilder BinString(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op((byte)'T').U32((uint)b.Length).Raw(b);
    }

    public PickleBuilder ShortBinString(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op((byte)'U').Op((byte)b.Length).Raw(b);
    }

    public PickleBuilder Bytes(byte[] b) => Op((byte)'B').U32((uint)b.Length).Raw(b);
    public PickleBuilder ShortBytes(byte[] b) => Op((byte)'C').Op((byte)b.Length).Raw(b);

    public PickleBuilder Ints(params long[] values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Tuple();
    }

    /// <summary>
    /// <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())</c>
    /// with the storage given by a persistent id that <paramref name="persistentId"/> pushes.
    /// </summary>
    public PickleBuilder Tensor(Action<PickleBuilder> persistentId, long offset, long[] size, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        persistentId(this);
        PersId().Int(offset).Ints(size).Ints(stride).False();
        return Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
    }

    /// <summary>Pushes the zip format's ('storage', torch.&lt;cls&gt;, key, 'cpu', numel).</summary>
    public static Action<PickleBuilder> ZipStorage(string storageClass, string key, long numel) => p =>
        p.Mark().Str("storage").Global("torch", storageClass).Str(key).Str("cpu").Int(numel).Tuple();

    /// <summary>Pushes the legacy format's ('storage', torch.&lt;cls&gt;, key, 'cpu', numel, view).</summary>
    public static Action<PickleBuilder> LegacyStorage(string storageClass, string key, long numel, (string Key, long Offset, long Size)? view = null) => p =>
    {
        p.Mark().Str("storage").Global("torch", storageClass).Str(key).Str("cpu").Int(numel);
        if (view is { } v) p.Str(v.Key).Int(v.Offset).Int(v.Size).Tuple3();
        else p.None();
        p.Tuple();
    };
}

/// <summary>Writes checkpoint files the way torch.save lays them out (see torch/serialization.py).</summary>
internal static class CheckpointWriter
{
    public static void Zip(string path, byte[] pickle, IReadOnlyDictionary<string, byte[]> storages, string folder = "archive")
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        void Add(string name, byte[] data)
        {
            var entry = zip.CreateEntry($"{folder}/{name}", CompressionLevel.NoCompression);
            using var s = entry.Open();
            s.Write(data);
        }
        Add("data.pkl", pickle);
        Add("byteorder", "little"u8.ToArray());
        foreach (var (key, data) in storages) Add($"data/{key}", data);
        Add("version", "3\n"u8.ToArray());
    }

    /// <summary>Magic number, protocol version, sys_info, the object, the storage keys, then each storage as count + bytes.</summary>
    public static void Legacy(string path, byte[] pickle, IReadOnlyList<(string Key, long Count, byte[] Data)> storages)
    {
        using var file = File.Create(path);
        file.Write(new PickleBuilder().Proto(2).Long1(BigInteger.Parse("01950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber)).Stop().ToArray());
        file.Write(new PickleBuilder().Proto(2).Int(1001).Stop().ToArray());
        file.Write(new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Str("protocol_version").Int(1001).Str("little_endian").True()
            .Str("type_sizes").EmptyDict().Mark().Str("short").Int(2).Str("int").Int(4).Str("long").Int(4).SetItems()
            .SetItems().Stop().ToArray());
        file.Write(pickle);
        var keys = new PickleBuilder().Proto(2).EmptyList().Mark();
        foreach (var s in storages) keys.Str(s.Key);
        file.Write(keys.Appends().Stop().ToArray());
        Span<byte> count = stackalloc byte[8];
        foreach (var s in storages)
        {
            BinaryPrimitives.WriteInt64LittleEndian(count, s.Count);
            file.Write(count);
            file.Write(s.Data);
        }
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }
}
