using Fragility.Data;
using Fragility.Geometry;
using Fragility.Models;

namespace Fragility.Experiments.Geometry;

/// <summary>Chooses the test images of a geometry experiment: the first N, in data-set order, that the model
/// classifies correctly (as the sweeps do), resized to the model's input size when the data set's images have another
/// size but the same channels (so a model trained on Fashion-MNIST at 14 or 56 pixels reads Fashion-MNIST).</summary>
public static class GeometryInputs
{
    /// <summary>Loads just enough of the test split of <paramref name="datasetName"/> to find <paramref name="count"/>
    /// correctly classified images.</summary>
    /// <exception cref="FragilityException">The data set is missing, has other channels, or too few images are classified correctly.</exception>
    public static SelectedInputs Load(Classifier model, string datasetName, string? dataDir, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (count < 1) throw new FragilityException($"--images must be at least 1, got {count}.");
        var p = model.Metadata.Preprocessing;
        var options = new ImageLoadOptions(p.Channels, p.Height, p.Width, p.ResizeShorter ?? Math.Max(p.Height, p.Width));
        int limit = Math.Max(64, count + count / 4 + 16);
        while (true)
        {
            using var raw = DatasetCatalog.Load(datasetName, DatasetSplit.Test, dataDir, options, limit);
            var (c, h, w) = raw.ImageShape;
            if (c != p.Channels)
                throw new FragilityException($"Data set '{datasetName}' has {c}-channel images but the model expects {p.Channels}. Choose a data set the model was trained for.");
            using var data = h == p.Height && w == p.Width ? raw.Subset(Enumerable.Range(0, raw.Count).ToArray()) : ResizeTo(raw, p);
            bool exhausted = raw.Count < limit;
            var selected = SweepInputs.FirstCorrect(model, data, count);
            if (selected.Count == count) return selected;
            int found = selected.Count;
            selected.Dispose();
            if (exhausted)
                throw new FragilityException($"Only {found} of the {raw.Count} test images of '{datasetName}' are classified correctly by the model, fewer than --images {count}: ask for fewer images.");
            limit = checked(limit * 2);
        }
    }

    private static ImageDataset ResizeTo(ImageDataset data, Preprocessing p)
    {
        if (p.Height != p.Width)
            throw new FragilityException($"The model expects {p.Height}x{p.Width} images but the data set has another size; only square sizes are resampled. Use a data set of the model's size.");
        return Resampling.Resize(data, p.Height);
    }
}
