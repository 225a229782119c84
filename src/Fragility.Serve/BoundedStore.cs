using System.Security.Cryptography;

namespace Fragility.Serve;

/// <summary>Objects kept by the server under unguessable ids (images, attacks); the oldest go when there are more
/// than <paramref name="capacity"/>, so a long session cannot fill the memory. Each browser tab only knows the ids
/// it was given, so two tabs never share state.</summary>
internal sealed class BoundedStore<T>(int capacity) where T : class
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    /// <summary>A fresh id: 128 random bits in hex.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Keeps <paramref name="item"/> under <paramref name="id"/>, dropping the oldest beyond capacity.</summary>
    public void Add(string id, T item)
    {
        lock (_lock)
        {
            _items[id] = item;
            _order.Enqueue(id);
            while (_order.Count > capacity) _items.Remove(_order.Dequeue());
        }
    }

    /// <summary>The item of <paramref name="id"/>, or a 404 naming <paramref name="what"/>.</summary>
    public T Get(string? id, string what)
    {
        if (string.IsNullOrEmpty(id)) throw new ServeException(400, $"No {what} id given.");
        lock (_lock)
            return _items.TryGetValue(id, out var item) ? item
                : throw new ServeException(404, $"Unknown {what} '{id}': it expired or never existed; load the image again.");
    }

    /// <summary>Every item kept.</summary>
    public IReadOnlyList<T> All()
    {
        lock (_lock) return _items.Values.ToList();
    }
}
