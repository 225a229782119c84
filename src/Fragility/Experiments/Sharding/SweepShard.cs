using System.Globalization;

namespace Fragility.Experiments.Sharding;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a sweep (1-based: "1/8" is the first of eight). The sweep's
/// images are cut into batches of the sweep's batch size, exactly as a single run cuts them; shard i owns the
/// contiguous batches [floor((i-1)B/N), floor(iB/N)) of the B batches, so every batch belongs to exactly one shard
/// and shards differ by at most one batch. A shard may own no batch when there are fewer batches than shards.
/// </summary>
public sealed record SweepShard
{
    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="index">1-based shard number, 1..count.</param>
    /// <param name="count">Number of shards, at least 1.</param>
    /// <exception cref="FragilityException">Index or count out of range.</exception>
    public SweepShard(int index, int count)
    {
        if (count < 1) throw new FragilityException($"A sweep has at least 1 shard, got {count}: use --shard I/N with N >= 1.");
        if (index < 1 || index > count)
            throw new FragilityException($"Shard {index} of {count} does not exist: shards are numbered 1 to {count} (--shard 1/{count} is the first).");
        Index = index;
        Count = count;
    }

    /// <summary>1-based shard number.</summary>
    public int Index { get; }

    /// <summary>Number of shards.</summary>
    public int Count { get; }

    /// <summary>File-name tag "shard-{Index}-of-{Count}".</summary>
    public string Tag => $"shard-{Index}-of-{Count}";

    /// <summary>Parses "I/N" (1-based, e.g. "2/8").</summary>
    /// <exception cref="FragilityException">Not of that form, or out of range.</exception>
    public static SweepShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2 || !TryNumber(parts[0], out int index) || !TryNumber(parts[1], out int count))
            throw new FragilityException($"--shard '{text}' is not of the form I/N: give the 1-based shard and the number of shards, e.g. --shard 2/8.");
        return new SweepShard(index, count);
    }

    /// <summary>The batches this shard owns, as [<c>First</c>, <c>First + Count</c>) of <paramref name="batches"/>.</summary>
    /// <param name="batches">Number of batches of the whole sweep.</param>
    public (int First, int Count) Batches(int batches)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batches);
        int first = (int)((long)(Index - 1) * batches / Count);
        int end = (int)((long)Index * batches / Count);
        return (first, end - first);
    }

    /// <summary>The positions (0-based, in the sweep's image order) of the images this shard owns, as a range.</summary>
    /// <param name="images">Number of images of the sweep.</param>
    /// <param name="batchSize">Images per batch, as the single run uses.</param>
    public (int Start, int Count) Positions(int images, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int batches = (images + batchSize - 1) / batchSize;
        var (first, count) = Batches(batches);
        int start = Math.Min(images, first * batchSize);
        int end = Math.Min(images, (first + count) * batchSize);
        return (start, end - start);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";

    private static bool TryNumber(string s, out int value) =>
        int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
