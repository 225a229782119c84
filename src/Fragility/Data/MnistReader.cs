using TorchSharp;

namespace Fragility.Data;

/// <summary>
/// Reads a data set in the MNIST layout: a folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
/// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (each may also be stored uncompressed, without ".gz").
/// Used for MNIST, Fashion-MNIST and the shipped sample. Images must be 28 x 28 and labels must name a class.
/// </summary>
public static class MnistReader
{
    /// <summary>Height and width of MNIST-format images in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>The image file name of a split (with ".gz"), e.g. "t10k-images-idx3-ubyte.gz" for the test split.</summary>
    public static string ImagesFileName(DatasetSplit split) => $"{Prefix(split)}-images-idx3-ubyte.gz";

    /// <summary>The label file name of a split (with ".gz"), e.g. "t10k-labels-idx1-ubyte.gz" for the test split.</summary>
    public static string LabelsFileName(DatasetSplit split) => $"{Prefix(split)}-labels-idx1-ubyte.gz";

    /// <summary>
    /// Reads one split as float32 images [N, 1, 28, 28] with values in [0, 1] (byte / 255) and their labels.
    /// </summary>
    /// <param name="directory">Folder holding the IDX files.</param>
    /// <param name="split">Training or test images.</param>
    /// <param name="name">Name given to the data set (e.g. "fashion-mnist").</param>
    /// <param name="classNames">Class names indexed by label; every label must be below their count.</param>
    /// <param name="limit">Read only the first <paramref name="limit"/> images (all when null).</param>
    /// <param name="remedy">The fix named at the end of error messages (e.g. how to install the data set).</param>
    public static ImageDataset Load(string directory, DatasetSplit split, string name, IReadOnlyList<string> classNames,
        int? limit = null, string? remedy = null)
    {
        remedy ??= "Re-download or replace the file.";
        string imagesPath = Locate(directory, ImagesFileName(split), remedy);
        string labelsPath = Locate(directory, LabelsFileName(split), remedy);
        var images = IdxReader.ReadImages(imagesPath, limit, remedy);
        if (images.Rows != ImageSize || images.Columns != ImageSize)
            throw new FragilityException(
                $"IDX file '{imagesPath}' holds {images.Rows}x{images.Columns} images, not {ImageSize}x{ImageSize} as {name} needs. {remedy}");
        var labels = IdxReader.ReadLabels(labelsPath, limit, remedy);
        if (labels.Length != images.Count)
            throw new FragilityException(
                $"IDX files '{imagesPath}' and '{labelsPath}' do not match: {images.Count} images but {labels.Length} labels. {remedy}");
        var longLabels = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classNames.Count)
                throw new FragilityException(
                    $"IDX file '{labelsPath}' has label {labels[i]} at position {i}, but {name} has only {classNames.Count} classes: the file is corrupt. {remedy}");
            longLabels[i] = labels[i];
        }
        var tensor = ToTensor(images.Pixels, images.Count, 1, images.Rows, images.Columns);
        return new ImageDataset(name, tensor, longLabels, classNames);
    }

    /// <summary>Pixels 0-255 to one float32 tensor [n, c, h, w] in [0, 1], converted in one pass and copied once.</summary>
    internal static torch.Tensor ToTensor(byte[] pixels, int n, int c, int h, int w)
    {
        var values = new float[pixels.Length];
        for (int i = 0; i < values.Length; i++) values[i] = pixels[i] / 255f;
        return torch.tensor(values, new long[] { n, c, h, w }, dtype: torch.ScalarType.Float32);
    }

    private static string Prefix(DatasetSplit split) => split == DatasetSplit.Train ? "train" : "t10k";

    private static string Locate(string directory, string gzName, string remedy)
    {
        if (!Directory.Exists(directory))
            throw new FragilityException($"Data folder '{directory}' not found. {remedy}");
        string gz = Path.Combine(directory, gzName);
        if (File.Exists(gz)) return gz;
        string plain = gz[..^3];
        if (File.Exists(plain)) return plain;
        throw new FragilityException($"IDX file '{gz}' not found (nor its uncompressed form). {remedy}");
    }
}
