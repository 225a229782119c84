using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Fragility.Models.Import;

/// <summary>The pickle asks for a global outside the allow-list; nothing it names has been resolved or called.</summary>
internal sealed class PickleRefusedException(string globalName) : Exception($"refused global '{globalName}'")
{
    public string GlobalName { get; } = globalName;
}

/// <summary>The pickle stream is malformed or uses something a state_dict never contains.</summary>
internal sealed class PickleFormatException(string message) : Exception(message);

/// <summary>
/// A pickle virtual machine (protocols 2-5) that understands only what a PyTorch state_dict needs:
/// collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter(_with_state), torch's typed
/// storage classes (as persistent ids), set/frozenset and _codecs.encode for plain containers. Any other global is
/// refused the moment its opcode is read. No global is ever looked up in a real runtime and no callable ever runs:
/// allowed "calls" only build plain records (tensors are descriptions, materialised after the whole stream parsed).
/// Hand-written because .NET has no unpickler, and a general one would defeat the purpose.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private const int MaxDepth = 100_000;

    private static readonly Dictionary<string, TorchStorageType> StorageTypes = new()
    {
        ["torch.FloatStorage"] = TorchStorageType.Float, ["torch.DoubleStorage"] = TorchStorageType.Double,
        ["torch.HalfStorage"] = TorchStorageType.Half, ["torch.BFloat16Storage"] = TorchStorageType.BFloat16,
        ["torch.LongStorage"] = TorchStorageType.Long, ["torch.IntStorage"] = TorchStorageType.Int,
        ["torch.ShortStorage"] = TorchStorageType.Short, ["torch.CharStorage"] = TorchStorageType.Char,
        ["torch.ByteStorage"] = TorchStorageType.Byte, ["torch.BoolStorage"] = TorchStorageType.Bool,
    };

    private static readonly HashSet<string> Callables =
    [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state", "builtins.set", "builtins.frozenset", "_codecs.encode",
    ];

    private readonly byte[] _data;
    private int _pos;
    private readonly List<object?> _stack = [];
    private readonly Stack<List<object?>> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    private RestrictedUnpickler(byte[] data) => _data = data;

    /// <summary>Whether <paramref name="fullName"/> (module.name) is on the allow-list.</summary>
    public static bool IsAllowed(string fullName) => Callables.Contains(fullName) || StorageTypes.ContainsKey(fullName);

    /// <summary>Unpickles <paramref name="data"/>; throws <see cref="PickleRefusedException"/> or
    /// <see cref="PickleFormatException"/>.</summary>
    public static object? Load(byte[] data) => new RestrictedUnpickler(data).Run();

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw new PickleFormatException("the pickle ends before its STOP opcode (truncated)");
            int at = _pos;
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: ReadByte(); break;                                   // PROTO
                case 0x95: Read(8); break;                                      // FRAME: a size hint only
                case (byte)'.':                                                 // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw new PickleFormatException("the pickle stops with an unbalanced stack");
                    return _stack[0];
                case (byte)'(': _marks.Push(new List<object?>(_stack)); _stack.Clear(); break; // MARK
                case (byte)'0': Pop(); break;                                   // POP
                case (byte)'1': PopMark(); break;                               // POP_MARK
                case (byte)'2': Push(Peek()); break;                            // DUP
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Read(4))); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Read(2))); break;
                case 0x8a: Push(ReadLong(ReadByte())); break;                  // LONG1
                case 0x8b: Push(ReadLong(ReadLength(4))); break;               // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Read(8))); break;
                case (byte)'T': Push(Encoding.Latin1.GetString(Read(ReadLength(4)))); break;   // BINSTRING (Python 2 str)
                case (byte)'U': Push(Encoding.Latin1.GetString(Read(ReadByte()))); break;      // SHORT_BINSTRING
                case (byte)'X': Push(Utf8(Read(ReadLength(4)))); break;        // BINUNICODE
                case 0x8c: Push(Utf8(Read(ReadByte()))); break;                // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Read(ReadLength(8)))); break;             // BINUNICODE8
                case (byte)'B': Push(Read(ReadLength(4)).ToArray()); break;    // BINBYTES
                case (byte)'C': Push(Read(ReadByte()).ToArray()); break;       // SHORT_BINBYTES
                case 0x8e: Push(Read(ReadLength(8)).ToArray()); break;         // BINBYTES8
                case 0x96: Push(Read(ReadLength(8)).ToArray()); break;         // BYTEARRAY8
                case (byte)')': Push(new PickleTuple([])); break;
                case (byte)'t': Push(new PickleTuple(PopMark().ToArray())); break;
                case 0x85: { var a = Pop(); Push(new PickleTuple([a])); break; }
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b])); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b, c])); break; }
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'l': Push(PopMark()); break;
                case (byte)'a': { var v = Pop(); As<List<object?>>(Peek(), "APPEND").Add(v); break; }
                case (byte)'e': { var items = PopMark(); As<List<object?>>(Peek(), "APPENDS").AddRange(items); break; }
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)'d': { var items = PopMark(); var d = new PickleDict(); SetItems(d, items); Push(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); As<PickleDict>(Peek(), "SETITEM").Set(k, v); break; }
                case (byte)'u': { var items = PopMark(); SetItems(As<PickleDict>(Peek(), "SETITEMS"), items); break; }
                case 0x8f: Push(new PickleSet()); break;                       // EMPTY_SET
                case 0x90: { var items = PopMark(); As<PickleSet>(Peek(), "ADDITEMS").Items.AddRange(items); break; }
                case 0x91: { var s = new PickleSet(); s.Items.AddRange(PopMark()); Push(s); break; } // FROZENSET
                case (byte)'q': _memo[ReadByte()] = Peek(); break;             // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Read(4))] = Peek(); break;
                case 0x94: _memo[_memo.Count] = Peek(); break;                 // MEMOIZE
                case (byte)'h': Push(Memo(ReadByte())); break;                 // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)))); break;
                case (byte)'c':                                                // GLOBAL: "module\nname\n"
                {
                    string module = ReadLine(), name = ReadLine();
                    Push(Resolve(module, name));
                    break;
                }
                case 0x93:                                                     // STACK_GLOBAL
                {
                    var name = Pop(); var module = Pop();
                    if (module is not string m || name is not string n) throw new PickleFormatException($"STACK_GLOBAL at byte {at} without two strings");
                    Push(Resolve(m, n));
                    break;
                }
                case (byte)'R': { var args = Pop(); var f = Pop(); Push(Call(f, As<PickleTuple>(args, "REDUCE arguments"))); break; }
                case 0x81: { var args = Pop(); var cls = Pop(); Push(New(cls, As<PickleTuple>(args, "NEWOBJ arguments"))); break; }
                case 0x92: { Pop(); var args = Pop(); var cls = Pop(); Push(New(cls, As<PickleTuple>(args, "NEWOBJ_EX arguments"))); break; }
                case (byte)'b': { var state = Pop(); Build(Peek(), state); break; }
                case (byte)'Q': { var pid = Pop(); Push(PersistentLoad(pid)); break; } // BINPERSID
                case (byte)'i': case (byte)'o':
                    // INST / OBJ instantiate classes; a state_dict never uses them.
                    throw new PickleFormatException($"opcode '{(char)op}' (instantiate a class) at byte {at}, which a state_dict never uses");
                case 0x82: case 0x83: case 0x84:
                    throw new PickleFormatException($"extension-registry opcode 0x{op:x2} at byte {at}, which a state_dict never uses");
                default:
                    throw new PickleFormatException($"unsupported pickle opcode 0x{op:x2} at byte {at} (protocol 0/1 text opcodes and out-of-band buffers are not read)");
            }
            if (_stack.Count > MaxDepth) throw new PickleFormatException("the pickle stack grows beyond any state_dict");
        }
    }

    private static PickleGlobal Resolve(string module, string name)
    {
        string full = module + "." + name;
        if (!IsAllowed(full)) throw new PickleRefusedException(full);
        return new PickleGlobal(module, name);
    }

    private static object? Call(object? f, PickleTuple args)
    {
        if (f is not PickleGlobal g || !Callables.Contains(g.FullName))
            throw new PickleFormatException($"REDUCE calls {Describe(f)}, which is not callable here");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
            {
                var d = new PickleDict();
                if (args.Count == 1 && args[0] is List<object?> pairs)
                    foreach (var p in pairs)
                    {
                        var t = As<PickleTuple>(p, "OrderedDict item");
                        if (t.Count != 2) throw new PickleFormatException("OrderedDict item is not a pair");
                        d.Set(t[0], t[1]);
                    }
                else if (args.Count != 0) throw new PickleFormatException("OrderedDict called with unexpected arguments");
                return d;
            }
            case "torch._utils._rebuild_tensor_v2":
            {
                if (args.Count is < 6 or > 7) throw new PickleFormatException($"_rebuild_tensor_v2 with {args.Count} arguments");
                var storage = As<TorchStorageRef>(args[0], "tensor storage");
                long offset = AsLong(args[1], "storage offset");
                long[] size = As<PickleTuple>(args[2], "tensor size").Items.Select(v => AsLong(v, "size")).ToArray();
                long[] stride = As<PickleTuple>(args[3], "tensor stride").Items.Select(v => AsLong(v, "stride")).ToArray();
                if (size.Length != stride.Length) throw new PickleFormatException("tensor size and stride differ in length");
                return new TorchTensorRef(storage, offset, size, stride);
            }
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                if (args.Count < 1) throw new PickleFormatException("_rebuild_parameter without data");
                return As<TorchTensorRef>(args[0], "parameter data");
            case "builtins.set":
            case "builtins.frozenset":
            {
                var s = new PickleSet();
                if (args.Count == 1) s.Items.AddRange(As<List<object?>>(args[0], "set items"));
                return s;
            }
            default: // _codecs.encode(str, 'latin1'): how protocol 2 writes Python 3 bytes
                if (args.Count != 2 || args[0] is not string text || args[1] is not string enc || !enc.Replace("-", "").Equals("latin1", StringComparison.OrdinalIgnoreCase))
                    throw new PickleFormatException("_codecs.encode with arguments other than (str, 'latin1')");
                return Encoding.Latin1.GetBytes(text);
        }
    }

    private static object New(object? cls, PickleTuple args)
    {
        if (cls is PickleGlobal { FullName: "collections.OrderedDict" } && args.Count == 0) return new PickleDict();
        throw new PickleFormatException($"NEWOBJ creates {Describe(cls)}, which a state_dict never does");
    }

    private static void Build(object? obj, object? state)
    {
        // OrderedDict's state is its attribute dict (torch's _metadata: layer versions); the weights do not need it.
        if (obj is PickleDict) return;
        throw new PickleFormatException($"BUILD sets the state of {Describe(obj)}, which a state_dict never does");
    }

    private static TorchStorageRef PersistentLoad(object? pid)
    {
        var t = As<PickleTuple>(pid, "persistent id");
        if (t.Count != 5 || t[0] is not "storage")
            throw new PickleFormatException("a persistent id other than ('storage', type, key, location, numel)");
        if (t[1] is not PickleGlobal g || !StorageTypes.TryGetValue(g.FullName, out var type))
            throw new PickleFormatException($"a storage of type {Describe(t[1])}");
        if (t[2] is not string key || key.Length == 0 || key.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
            throw new PickleFormatException("a storage key that is not a plain name");
        return new TorchStorageRef(key, type, AsLong(t[4], "storage size"));
    }

    private static void SetItems(PickleDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new PickleFormatException("odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
    }

    private object? Memo(long key) =>
        _memo.TryGetValue(key, out var v) ? v : throw new PickleFormatException($"memo key {key} used before it was stored");

    private void Push(object? v) => _stack.Add(v);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new PickleFormatException("stack underflow");

    private object? Pop()
    {
        var v = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw new PickleFormatException("MARK expected but missing");
        var items = new List<object?>(_stack);
        _stack.Clear();
        _stack.AddRange(_marks.Pop());
        return items;
    }

    private byte ReadByte() => Read(1)[0];

    private ReadOnlySpan<byte> Read(long n)
    {
        if (n < 0 || n > _data.Length - _pos) throw new PickleFormatException("the pickle ends inside an opcode's argument (truncated)");
        var span = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return span;
    }

    private long ReadLength(int bytes)
    {
        ulong n = bytes == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Read(4)) : BinaryPrimitives.ReadUInt64LittleEndian(Read(8));
        // A length past the end is a truncated (or hostile) stream; check before allocating anything.
        if (n > (ulong)(_data.Length - _pos)) throw new PickleFormatException("the pickle ends inside a string or bytes value (truncated)");
        return (long)n;
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw new PickleFormatException("GLOBAL without a terminating newline (truncated)");
        string s = Encoding.UTF8.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private object ReadLong(long n)
    {
        var bytes = Read(n);
        if (n == 0) return 0L;
        var big = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw new PickleFormatException("a string that is not valid UTF-8"); }
    }

    private static T As<T>(object? v, string what) where T : class =>
        v as T ?? throw new PickleFormatException($"{what} is {Describe(v)}, expected {typeof(T).Name}");

    private static long AsLong(object? v, string what) =>
        v is long l ? l : throw new PickleFormatException($"{what} is {Describe(v)}, expected an integer");

    private static string Describe(object? v) => v switch
    {
        null => "None",
        PickleGlobal g => $"'{g.FullName}'",
        string s => $"the string '{(s.Length > 40 ? s[..40] + "..." : s)}'",
        _ => "a " + v.GetType().Name,
    };
}
