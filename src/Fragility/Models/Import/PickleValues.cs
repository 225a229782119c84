namespace Fragility.Models.Import;

// The Python values a restricted unpickling can produce. Plain data only: nothing here can run code.
// None is null, bool is bool, int is long (or BigInteger), float is double, str is string, bytes is byte[],
// tuple is PickleTuple, list is List<object?>, dict and OrderedDict are PickleDict, set and frozenset are PickleSet.

/// <summary>A Python tuple.</summary>
internal sealed record PickleTuple(object?[] Items)
{
    public int Count => Items.Length;

    public object? this[int i] => Items[i];
}

/// <summary>A Python dict or collections.OrderedDict, in insertion order (state_dict order matters for messages).</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    public int Count => _items.Count;

    public void Set(object? key, object? value)
    {
        // Keys of state_dicts are strings; other hashable keys (ints, tuples) are kept by value where that is cheap.
        object k = key ?? NoneKey.Instance;
        if (k is PickleTuple or List<object?> or PickleDict) k = new IdentityKey(k);
        if (_index.TryGetValue(k, out int i)) _items[i] = new(k, value);
        else { _index[k] = _items.Count; _items.Add(new(k, value)); }
    }

    public object? Get(string key) => _index.TryGetValue(key, out int i) ? _items[i].Value : null;

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    private sealed class NoneKey { public static readonly NoneKey Instance = new(); public override string ToString() => "None"; }

    private sealed record IdentityKey(object Value);
}

/// <summary>A Python set or frozenset.</summary>
internal sealed class PickleSet
{
    public List<object?> Items { get; } = [];
}

/// <summary>A Python global (module.name) that the allow-list accepted.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;
}

/// <summary>A torch storage named by a persistent id ('storage', type, key, location, numel); read after unpickling.</summary>
internal sealed record TorchStorageRef(string Key, TorchStorageType Type, long Numel);

/// <summary>A tensor to be rebuilt from a storage with an offset, sizes and strides (all in elements).</summary>
internal sealed record TorchTensorRef(TorchStorageRef Storage, long Offset, long[] Size, long[] Stride);

/// <summary>The element types of torch's typed storages.</summary>
internal enum TorchStorageType
{
    Float, Double, Half, BFloat16, Long, Int, Short, Char, Byte, Bool,
}
