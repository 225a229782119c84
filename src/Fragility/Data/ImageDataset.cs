using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Data;

/// <summary>
/// A labelled set of images held in memory as one float32 tensor of shape [N, C, H, W] with pixel values
/// in [0, 1] (the "pixel scale"; 1/255 of the 0-255 scale that epsilons are given in). Models normalise
/// internally, so everything downstream (maps, attacks) works on this scale.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    /// <summary>Creates a data set; takes ownership of <paramref name="images"/>.</summary>
    public ImageDataset(string name, Tensor images, long[] labels, IReadOnlyList<string> classNames, IReadOnlyList<string>? itemNames = null)
    {
        if (images.dim() != 4) throw new ArgumentException($"images must be [N,C,H,W], got [{string.Join(",", images.shape)}]");
        if (images.shape[0] != labels.Length) throw new ArgumentException($"{images.shape[0]} images but {labels.Length} labels");
        Name = name;
        Images = images;
        Labels = labels;
        ClassNames = classNames;
        ItemNames = itemNames;
    }

    /// <summary>Name of the data set (e.g. "fashion-mnist", "sample", a folder path).</summary>
    public string Name { get; }

    /// <summary>Images, float32 [N, C, H, W], values in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>
    /// Class index of each image, or -1 (<see cref="ImageFolderReader.UnknownLabel"/>) when the true class is unknown
    /// (images from a flat folder or a single file); users then take the model's prediction as the label.
    /// </summary>
    public long[] Labels { get; }

    /// <summary>Human-readable class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Optional per-image names (file names for image folders), else null.</summary>
    public IReadOnlyList<string>? ItemNames { get; }

    /// <summary>Per image, what decoding its file did (resize, crop, colour to grey); null for data sets read from
    /// arrays (IDX, CIFAR-10 binaries), whose images are already in their geometry.</summary>
    public IReadOnlyList<ImageConversion>? Conversions { get; init; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Channels, height and width of one image.</summary>
    public (int Channels, int Height, int Width) ImageShape => ((int)Images.shape[1], (int)Images.shape[2], (int)Images.shape[3]);

    /// <summary>A new data set holding the images at the given indices (copied).</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        using var idx = torch.tensor(indices.Select(i => (long)i).ToArray(), dtype: ScalarType.Int64);
        var imgs = Images.index_select(0, idx);
        return new ImageDataset(Name, imgs, indices.Select(i => Labels[i]).ToArray(), ClassNames,
            ItemNames is null ? null : indices.Select(i => ItemNames[i]).ToArray())
        {
            Conversions = Conversions is null ? null : indices.Select(i => Conversions[i]).ToArray(),
        };
    }

    /// <inheritdoc />
    public void Dispose() => Images.Dispose();
}
