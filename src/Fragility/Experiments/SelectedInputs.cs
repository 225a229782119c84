using Fragility.Data;

namespace Fragility.Experiments;

/// <summary>The inputs of a sweep: images with their indices in the source data set (which seed random draws and
/// name result lines and arrays).</summary>
public sealed class SelectedInputs : IDisposable
{
    /// <summary>Creates the selection; takes ownership of <paramref name="images"/>.</summary>
    /// <param name="images">The selected images, in data-set order.</param>
    /// <param name="indices">Index of each image in the source data set's test split.</param>
    /// <param name="dataset">Name of the source data set.</param>
    /// <param name="scanned">How many test images were looked at to find them.</param>
    public SelectedInputs(ImageDataset images, IReadOnlyList<int> indices, string dataset, int scanned)
    {
        if (images.Count != indices.Count) throw new ArgumentException($"{images.Count} images but {indices.Count} indices");
        Images = images;
        Indices = indices;
        Dataset = dataset;
        Scanned = scanned;
    }

    /// <summary>The selected images and their labels.</summary>
    public ImageDataset Images { get; }

    /// <summary>Index of each selected image in the data set's test split.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Name of the source data set.</summary>
    public string Dataset { get; }

    /// <summary>How many test images were looked at to find the selection.</summary>
    public int Scanned { get; }

    /// <summary>Number of selected images.</summary>
    public int Count => Indices.Count;

    /// <summary>The name of the selected image at <paramref name="position"/>: its file name when the data set has
    /// names, else "test:{index}".</summary>
    public string Item(int position) => Images.ItemNames?[position] ?? $"test:{Indices[position]}";

    /// <inheritdoc />
    public void Dispose() => Images.Dispose();
}
