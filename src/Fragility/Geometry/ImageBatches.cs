namespace Fragility.Geometry;

/// <summary>The part of a measurement's images one process measures when a study is split over processes
/// (<c>fragility geometry ... --jobs N</c>): whole batches, so that every batch is the one the single run measures and
/// the combined result is the single run's, bit for bit.</summary>
public static class ImageBatches
{
    /// <summary>Positions [First, End) to measure of <paramref name="images"/> images in batches of
    /// <paramref name="batchSize"/>: all of them when <paramref name="part"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The part leaves the images, or does not start on a batch boundary.</exception>
    public static (int First, int End) Range(int images, int batchSize, (int Start, int Count)? part)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (part is not (int start, int count)) return (0, images);
        if (start < 0 || count < 0 || start + count > images || start % batchSize != 0 || (count % batchSize != 0 && start + count != images))
            throw new ArgumentOutOfRangeException(nameof(part), $"Images [{start}, {start + count}) are not whole batches of {batchSize} of {images} images.");
        return (start, start + count);
    }
}
