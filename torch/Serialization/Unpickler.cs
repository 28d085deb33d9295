// A pickle virtual machine for what torch.save writes. Opcode semantics follow
// CPython's Lib/pickle.py (_Unpickler) and Lib/pickletools.py (the opcode
// table); torch.save uses protocol 2, and protocol 4 opcodes (FRAME, MEMOIZE,
// STACK_GLOBAL, SHORT_BINUNICODE, BINUNICODE8) are accepted so that files
// pickled with a higher protocol load too. Nothing is ever executed: globals
// become descriptions (PyGlobal) and REDUCE of a global that is not one of the
// few torch/collections callables we understand yields an opaque PyObject.

using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace AnomalyBench.Torch.Serialization;

/// <summary>Python's None in places where a null reference cannot be a dictionary key.</summary>
internal sealed class PyNoneKey
{
    public static readonly PyNoneKey Instance = new();
}

/// <summary>A dict (or OrderedDict): insertion-ordered, a repeated key keeps its first position.</summary>
internal sealed class PyDict(bool ordered)
{
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    public bool IsOrderedDict { get; } = ordered;

    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    public void Set(object? key, object? value)
    {
        var k = key ?? PyNoneKey.Instance;
        if (k is object?[] or List<object?> or PyDict)
            throw new CorruptCheckpointException($"a dict key is a {Python.TypeName(key)}, which Python cannot hash");
        if (_index.TryGetValue(k, out var i)) _items[i] = new(key, value);
        else
        {
            _index[k] = _items.Count;
            _items.Add(new(key, value));
        }
    }

    public bool TryGet(string key, out object? value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            value = _items[i].Value;
            return true;
        }
        value = null;
        return false;
    }
}

/// <summary>A global (module attribute) named by GLOBAL or STACK_GLOBAL: a description, never imported.</summary>
internal sealed record PyGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>An object built by a callable this reader does not model (REDUCE, NEWOBJ); kept so that unrelated entries do not fail.</summary>
internal sealed class PyObject(object? callable, object? args)
{
    public object? Callable { get; } = callable;
    public object? Args { get; } = args;
    public object? State { get; set; }
    public List<object?> Items { get; } = [];
    public PyDict DictItems { get; } = new(false);

    public override string ToString() => $"object built by {Callable}";
}

internal static class Python
{
    public static string TypeName(object? value) => value switch
    {
        null => "None",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        object?[] => "tuple",
        List<object?> => "list",
        PyDict d => d.IsOrderedDict ? "OrderedDict" : "dict",
        PyGlobal g => $"global {g}",
        PyObject o => $"object built by {o.Callable}",
        _ => TorchPickle.TypeName(value),
    };
}

/// <summary>
/// Runs one pickle (up to and including STOP) from a stream and returns the object it builds.
/// Consecutive pickles in one stream (the legacy torch.save format) are read by calling
/// <see cref="Load"/> again: the machine never reads past STOP.
/// </summary>
internal sealed class Unpickler
{
    private const int HighestProtocol = 5;

    private readonly Stream _stream;
    private readonly string _where;
    private readonly Func<object?, object?> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private long _position;
    private long _opcodeStart;

    /// <param name="stream">positioned at the first opcode.</param>
    /// <param name="where">names the pickle in errors ("archive/data.pkl", "the file").</param>
    /// <param name="startOffset">the stream's offset within that file, so that errors give file offsets.</param>
    /// <param name="persistentLoad">resolves BINPERSID ids (torch storages).</param>
    public Unpickler(Stream stream, string where, long startOffset, Func<object?, object?> persistentLoad)
    {
        _stream = stream;
        _where = where;
        _position = startOffset;
        _persistentLoad = persistentLoad;
    }

    /// <summary>The file offset after the last byte read.</summary>
    public long Position => _position;

    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            _opcodeStart = _position;
            var next = _stream.ReadByte();
            if (next < 0) throw Error("the pickle ended before its STOP opcode (the file is truncated)");
            _position++;
            var op = (byte)next;
            switch (op)
            {
                case 0x80: // PROTO
                    var protocol = ReadByte();
                    if (protocol > HighestProtocol) throw Error($"pickle protocol {protocol} is newer than the highest known ({HighestProtocol})");
                    break;
                case 0x95: // FRAME: an 8-byte length; framing only groups reads, the opcodes inside run as usual
                    ReadUInt64();
                    break;
                case (byte)'.': // STOP: like CPython, items left below the result are ignored
                    return Pop();
                case (byte)'(': // MARK
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'c': // GLOBAL: module and name as text lines
                    {
                        var module = ReadLine();
                        var name = ReadLine();
                        Push(TorchPickle.FindClass(module, name));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop();
                        var module = Pop();
                        if (module is not string m || name is not string n)
                            throw Error($"STACK_GLOBAL needs two str, got {Python.TypeName(module)} and {Python.TypeName(name)}");
                        Push(TorchPickle.FindClass(m, n));
                        break;
                    }
                case (byte)'q': // BINPUT
                    _memo[ReadByte()] = Top();
                    break;
                case (byte)'r': // LONG_BINPUT
                    _memo[ReadUInt32()] = Top();
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Top();
                    break;
                case (byte)'h': // BINGET
                    Push(Memo(ReadByte()));
                    break;
                case (byte)'j': // LONG_BINGET
                    Push(Memo(ReadUInt32()));
                    break;
                case (byte)'}': // EMPTY_DICT
                    Push(new PyDict(false));
                    break;
                case (byte)']': // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case (byte)')': // EMPTY_TUPLE
                    Push(Array.Empty<object?>());
                    break;
                case (byte)'t': // TUPLE
                    Push(PopMark().ToArray());
                    break;
                case 0x85: // TUPLE1
                    Push(new[] { Pop() });
                    break;
                case 0x86: // TUPLE2
                    {
                        var b = Pop();
                        var a = Pop();
                        Push(new[] { a, b });
                        break;
                    }
                case 0x87: // TUPLE3
                    {
                        var c = Pop();
                        var b = Pop();
                        var a = Pop();
                        Push(new[] { a, b, c });
                        break;
                    }
                case (byte)'s': // SETITEM
                    {
                        var value = Pop();
                        var key = Pop();
                        SetItem(Top(), key, value);
                        break;
                    }
                case (byte)'u': // SETITEMS
                    {
                        var items = PopMark();
                        if (items.Count % 2 != 0) throw Error("SETITEMS with an odd number of items");
                        var target = Top();
                        for (var i = 0; i < items.Count; i += 2) SetItem(target, items[i], items[i + 1]);
                        break;
                    }
                case (byte)'a': // APPEND
                    {
                        var value = Pop();
                        Append(Top(), value);
                        break;
                    }
                case (byte)'e': // APPENDS
                    {
                        var items = PopMark();
                        var target = Top();
                        foreach (var item in items) Append(target, item);
                        break;
                    }
                case (byte)'J': // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)));
                    break;
                case (byte)'K': // BININT1
                    Push((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2)));
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(ReadByte()));
                    break;
                case 0x8b: // LONG4
                    {
                        var n = BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));
                        if (n < 0) throw Error($"LONG4 with negative length {n}");
                        Push(ReadLong(n));
                        break;
                    }
                case (byte)'G': // BINFLOAT: big-endian IEEE 754 double
                    Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8)));
                    break;
                case (byte)'X': // BINUNICODE
                    Push(ReadUtf8(ReadUInt32()));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(ReadUtf8(ReadByte()));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(ReadUtf8(ReadUInt64()));
                    break;
                case (byte)'T': // BINSTRING: Python 2 str; torch.load decodes these as UTF-8
                    {
                        var n = BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));
                        if (n < 0) throw Error($"BINSTRING with negative length {n}");
                        Push(ReadUtf8((ulong)n));
                        break;
                    }
                case (byte)'U': // SHORT_BINSTRING
                    Push(ReadUtf8(ReadByte()));
                    break;
                case (byte)'B': // BINBYTES
                    Push(ReadBytes(ReadUInt32()));
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Push(ReadBytes(ReadByte()));
                    break;
                case 0x8e: // BINBYTES8
                    Push(ReadBytes(ReadUInt64()));
                    break;
                case (byte)'N': // NONE
                    Push(null);
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case (byte)'R': // REDUCE
                    {
                        var args = Pop();
                        var callable = Pop();
                        if (args is not object?[] tuple) throw Error($"REDUCE needs an argument tuple, got {Python.TypeName(args)}");
                        Push(Wrap(() => TorchPickle.Reduce(callable, tuple)));
                        break;
                    }
                case (byte)'b': // BUILD
                    {
                        var state = Pop();
                        Build(Top(), state);
                        break;
                    }
                case 0x81: // NEWOBJ: cls.__new__(cls, *args), modelled as an opaque object
                    {
                        var args = Pop();
                        var cls = Pop();
                        Push(new PyObject(cls, args));
                        break;
                    }
                case (byte)'Q': // BINPERSID
                    {
                        var pid = Pop();
                        Push(Wrap(() => _persistentLoad(pid)));
                        break;
                    }
                case (byte)'0': // POP: an empty stack segment pops the mark, as CPython does
                    if (_stack.Count > MarkBase) _stack.RemoveAt(_stack.Count - 1);
                    else PopMark();
                    break;
                case (byte)'1': // POP_MARK
                    PopMark();
                    break;
                case (byte)'2': // DUP
                    Push(Top());
                    break;
                default:
                    throw Error($"unsupported pickle opcode 0x{op:x2}{Printable(op)} (torch.save writes protocol 2; another program probably wrote this file)");
            }
        }
    }

    private static string Printable(byte op) => op is >= 0x20 and < 0x7f ? $" ('{(char)op}')" : "";

    private CorruptCheckpointException Error(string problem, string? advice = null) =>
        new($"at byte {_opcodeStart} of {_where}: {problem}", advice);

    private object? Wrap(Func<object?> action)
    {
        try
        {
            return action();
        }
        catch (CorruptCheckpointException e)
        {
            throw Error(e.Message, e.Advice);
        }
    }

    private int MarkBase => _marks.Count == 0 ? 0 : _marks[^1];

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count <= MarkBase) throw Error("the pickle pops from an empty stack");
        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Top()
    {
        if (_stack.Count <= MarkBase) throw Error("the pickle reads from an empty stack");
        return _stack[^1];
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Error("the pickle has no MARK to pop to");
        var mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object? Memo(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error($"the pickle reads memo entry {index}, which was never stored");

    private void SetItem(object? target, object? key, object? value)
    {
        switch (target)
        {
            case PyDict dict:
                Wrap(() =>
                {
                    dict.Set(key, value);
                    return null;
                });
                break;
            case PyObject obj:
                obj.DictItems.Set(key, value);
                break;
            default:
                throw Error($"SETITEM on a {Python.TypeName(target)}");
        }
    }

    private void Append(object? target, object? value)
    {
        switch (target)
        {
            case List<object?> list:
                list.Add(value);
                break;
            case PyObject obj:
                obj.Items.Add(value);
                break;
            default:
                throw Error($"APPEND on a {Python.TypeName(target)}");
        }
    }

    private static void Build(object? target, object? state)
    {
        // An OrderedDict state dict carries `_metadata` (per-module versions) as its
        // instance __dict__; tensors carry nothing we use. Both are ignored.
        if (target is PyObject obj) obj.State = state;
    }

    // Reading ------------------------------------------------------------------

    private byte ReadByte()
    {
        var b = _stream.ReadByte();
        if (b < 0) throw Error("the pickle ended inside an opcode's argument (the file is truncated)");
        _position++;
        return (byte)b;
    }

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    private byte[] ReadBytes(ulong count)
    {
        if (_stream.CanSeek && count > (ulong)Math.Max(0, _stream.Length - _stream.Position))
            throw Error($"the pickle announces {count} bytes, but the file ends before them (the file is truncated)");
        if (count > (ulong)Array.MaxLength) throw Error($"the pickle announces a {count}-byte value, too large to read");
        var bytes = new byte[count];
        var read = _stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        _position += read;
        if (read != bytes.Length) throw Error("the pickle ended inside an opcode's argument (the file is truncated)");
        return bytes;
    }

    private string ReadUtf8(ulong count)
    {
        var bytes = ReadBytes(count);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a pickled string is not valid UTF-8");
        }
    }

    private string ReadLine()
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = ReadByte();
            if (b == (byte)'\n') break;
            if (bytes.Count > 4096) throw Error("a GLOBAL name is longer than 4096 bytes");
            bytes.Add(b);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>LONG1/LONG4: little-endian two's complement; small values become long.</summary>
    private object ReadLong(long count)
    {
        if (count == 0) return 0L;
        var bytes = ReadBytes((ulong)count);
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }
}
