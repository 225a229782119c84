namespace Fragility.Data;

/// <summary>
/// Loads data sets by name: "fashion-mnist", "mnist", "cifar10", "folder" (a folder of images) and "sample" (the first
/// 256 Fashion-MNIST test images, shipped with Fragility under models/samples/fashion-mnist).
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Fashion-MNIST (Zalando Research): 28 x 28 grey images of clothing, 10 classes.</summary>
    public const string FashionMnist = "fashion-mnist";

    /// <summary>MNIST: 28 x 28 grey images of handwritten digits, 10 classes. No default location.</summary>
    public const string Mnist = "mnist";

    /// <summary>CIFAR-10, binary version: 32 x 32 RGB images, 10 classes. No default location.</summary>
    public const string Cifar10 = "cifar10";

    /// <summary>A folder of image files (see <see cref="ImageFolderReader"/>); the split is ignored.</summary>
    public const string Folder = "folder";

    /// <summary>The shipped sample: the first 256 Fashion-MNIST test images; test split only.</summary>
    public const string Sample = "sample";

    /// <summary>All valid data set names.</summary>
    public static IReadOnlyList<string> Names { get; } = [FashionMnist, Mnist, Cifar10, Folder, Sample];

    /// <summary>Where the Debian package dataset-fashion-mnist installs Fashion-MNIST; the default for "fashion-mnist".</summary>
    public const string DefaultFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Fashion-MNIST class names in label order.</summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>MNIST class names in label order: "0" .. "9".</summary>
    public static IReadOnlyList<string> MnistClassNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>Path of the shipped sample relative to the application folder (or to a source checkout).</summary>
    public static string SampleRelativePath { get; } = Path.Combine("models", "samples", "fashion-mnist");

    /// <summary>
    /// Loads a data set.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/> (case-insensitive).</param>
    /// <param name="split">Training or test images. "sample" has only <see cref="DatasetSplit.Test"/>; "folder" ignores it.</param>
    /// <param name="dataDir">Folder holding the data: optional for "fashion-mnist" (default
    /// <see cref="DefaultFashionMnistDirectory"/>), required for "mnist", "cifar10" and "folder", ignored for "sample".</param>
    /// <param name="folderOptions">Geometry for "folder" images; default <see cref="ImageLoadOptions.ImageNet"/>
    /// (RGB, shorter side 256, centre crop 224). Ignored by the other data sets, whose images have a fixed size.</param>
    /// <param name="limit">Read only the first <paramref name="limit"/> images in file order (all when null); cheap for big sets.</param>
    public static ImageDataset Load(string name, DatasetSplit split, string? dataDir, ImageLoadOptions? folderOptions = null, int? limit = null)
    {
        if (limit is < 1)
            throw new FragilityException($"Image limit must be at least 1, got {limit}: give a positive number of images.");
        switch (Canonical(name))
        {
            case FashionMnist:
                return MnistReader.Load(dataDir ?? DefaultFashionMnistDirectory, split, FashionMnist, FashionMnistClassNames, limit,
                    dataDir is null
                        ? "Install Fashion-MNIST (apt-get install dataset-fashion-mnist) or pass --data DIR with the four IDX files."
                        : "Pass --data DIR with the four Fashion-MNIST IDX files, or omit --data to use the installed copy (apt-get install dataset-fashion-mnist).");
            case Mnist:
                if (dataDir is null)
                    throw new FragilityException(
                        "MNIST has no default location: pass --data DIR with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.");
                return MnistReader.Load(dataDir, split, Mnist, MnistClassNames, limit,
                    "Pass --data DIR with the four MNIST IDX files (train-images-idx3-ubyte.gz, ...), re-downloaded if damaged.");
            case Cifar10:
                if (dataDir is null)
                    throw new FragilityException(
                        "CIFAR-10 has no default location: pass --data DIR with the binary version's data_batch_1.bin .. data_batch_5.bin and test_batch.bin.");
                return Cifar10Reader.Load(dataDir, split, limit);
            case Folder:
                if (dataDir is null)
                    throw new FragilityException("The 'folder' data set needs a folder of images: pass --data DIR.");
                return ImageFolderReader.Load(dataDir, folderOptions ?? ImageLoadOptions.ImageNet, limit);
            case Sample:
                if (split != DatasetSplit.Test)
                    throw new FragilityException(
                        "The shipped sample has only test images: use the test split, or use 'fashion-mnist' for training images.");
                return MnistReader.Load(LocateSample(), DatasetSplit.Test, Sample, FashionMnistClassNames, limit,
                    "The shipped sample is damaged: restore models/samples/fashion-mnist from the repository (tools/make-sample.sh rebuilds it).");
            default:
                throw new FragilityException($"Unknown data set '{name}': use one of {string.Join(", ", Names)}.");
        }
    }

    /// <summary>
    /// The geometry that fits a data set's images, for loading other image files to feed a model trained on it:
    /// grey 28 x 28 for the MNIST family, RGB 32 x 32 for CIFAR-10, <see cref="ImageLoadOptions.ImageNet"/> for folders.
    /// The shorter side is resized to the crop size, so images of any size fit.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/> (case-insensitive).</param>
    public static ImageLoadOptions DefaultImageOptions(string name) => Canonical(name) switch
    {
        FashionMnist or Mnist or Sample => new ImageLoadOptions(1, MnistReader.ImageSize, MnistReader.ImageSize, MnistReader.ImageSize),
        Cifar10 => new ImageLoadOptions(3, Cifar10Reader.ImageSize, Cifar10Reader.ImageSize, Cifar10Reader.ImageSize),
        Folder => ImageLoadOptions.ImageNet,
        _ => throw new FragilityException($"Unknown data set '{name}': use one of {string.Join(", ", Names)}."),
    };

    /// <summary>
    /// The folder of the shipped sample: models/samples/fashion-mnist next to the application (the library's build copies
    /// models/ to the output folder), else the first such folder found going up from the current directory (for
    /// <c>dotnet run</c> in a source checkout).
    /// </summary>
    public static string LocateSample()
    {
        string besideApp = Path.Combine(AppContext.BaseDirectory, SampleRelativePath);
        if (Directory.Exists(besideApp)) return besideApp;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, SampleRelativePath);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new FragilityException(
            $"The shipped sample ({SampleRelativePath}) was found neither in '{AppContext.BaseDirectory}' nor above '{Directory.GetCurrentDirectory()}': reinstall Fragility, or run from the source checkout.");
    }

    private static string Canonical(string name) => name.Trim().ToLowerInvariant();
}
