namespace Fragility.Geometry;

/// <summary>The part of a measurement's items (images, or models) one process measures when a study is split over
/// processes (<c>fragility geometry ... --jobs N</c>): whole batches, so that every batch is the one the single run
/// measures and the combined result is the single run's, bit for bit.</summary>
public static class BatchRange
{
    /// <summary>Positions [First, End) to measure of <paramref name="items"/> items in batches of
    /// <paramref name="batchSize"/>: all of them when <paramref name="part"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The part leaves the items, or is not whole batches.</exception>
    public static (int First, int End) Of(int items, int batchSize, (int Start, int Count)? part)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (part is not (int start, int count)) return (0, items);
        if (start < 0 || count < 0 || start + count > items || start % batchSize != 0 || (count % batchSize != 0 && start + count != items))
            throw new ArgumentOutOfRangeException(nameof(part), $"Items [{start}, {start + count}) are not whole batches of {batchSize} of {items} items.");
        return (start, start + count);
    }
}
