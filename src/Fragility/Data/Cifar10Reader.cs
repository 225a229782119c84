namespace Fragility.Data;

/// <summary>
/// Reads the binary version of CIFAR-10 (the "cifar-10-batches-bin" folder): data_batch_1.bin .. data_batch_5.bin
/// (training, 50000 images) and test_batch.bin (test, 10000 images). Each record is 1 label byte (0-9) followed by
/// 3072 bytes: the red, green and blue planes of a 32 x 32 image, each row by row, i.e. already [C, H, W].
/// Class names come from batches.meta.txt (one per line, blank lines ignored); without that file the standard ten
/// names are used.
/// </summary>
public static class Cifar10Reader
{
    /// <summary>Height and width of a CIFAR-10 image in pixels.</summary>
    public const int ImageSize = 32;

    /// <summary>Bytes of one record: 1 label byte + 3 x 32 x 32 pixel bytes.</summary>
    public const int RecordLength = 1 + 3 * ImageSize * ImageSize;

    /// <summary>The ten CIFAR-10 class names in label order, as in batches.meta.txt.</summary>
    public static IReadOnlyList<string> StandardClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private const string Remedy = "Download the CIFAR-10 binary version (cifar-10-binary.tar.gz) and pass its cifar-10-batches-bin folder with --data DIR.";

    /// <summary>The batch files of a split, in reading order.</summary>
    public static IReadOnlyList<string> BatchFileNames(DatasetSplit split) => split == DatasetSplit.Train
        ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"]
        : ["test_batch.bin"];

    /// <summary>
    /// Reads one split as float32 images [N, 3, 32, 32] with values in [0, 1] (byte / 255) and their labels.
    /// </summary>
    /// <param name="directory">The folder with the .bin files, or a folder containing "cifar-10-batches-bin".</param>
    /// <param name="split">Training or test images.</param>
    /// <param name="limit">Read only the first <paramref name="limit"/> images, in file order (all when null).</param>
    public static ImageDataset Load(string directory, DatasetSplit split, int? limit = null)
    {
        if (!Directory.Exists(directory))
            throw new FragilityException($"CIFAR-10 folder '{directory}' not found. {Remedy}");
        string nested = Path.Combine(directory, "cifar-10-batches-bin");
        if (!File.Exists(Path.Combine(directory, BatchFileNames(split)[0])) && Directory.Exists(nested))
            directory = nested;

        var classNames = ReadClassNames(directory);
        var files = BatchFileNames(split).Select(f => Path.Combine(directory, f)).ToList();
        foreach (var f in files)
            if (!File.Exists(f))
                throw new FragilityException($"CIFAR-10 file '{f}' not found. {Remedy}");

        var lengths = files.Select(CheckedLength).ToList();
        long total = lengths.Sum() / RecordLength;
        int take = (int)Math.Min(total, limit ?? total);
        if ((long)take * (RecordLength - 1) > Array.MaxLength)
            throw new FragilityException($"CIFAR-10 folder '{directory}' has too many images to read at once: read fewer with a limit.");

        var pixels = new byte[(long)take * (RecordLength - 1)];
        var labels = new long[take];
        var record = new byte[RecordLength];
        int n = 0;
        for (int fi = 0; fi < files.Count && n < take; fi++)
        {
            using var stream = new FileStream(files[fi], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            for (long r = 0; r < lengths[fi] / RecordLength && n < take; r++, n++)
            {
                stream.ReadExactly(record);
                if (record[0] >= classNames.Count)
                    throw new FragilityException(
                        $"CIFAR-10 file '{files[fi]}' has label {record[0]} in record {r}, but there are only {classNames.Count} classes: the file is corrupt. {Remedy}");
                labels[n] = record[0];
                record.AsSpan(1).CopyTo(pixels.AsSpan((int)((long)n * (RecordLength - 1))));
            }
        }
        var images = MnistReader.ToTensor(pixels, take, 3, ImageSize, ImageSize);
        return new ImageDataset("cifar10", images, labels, classNames);
    }

    private static long CheckedLength(string file)
    {
        long length = new FileInfo(file).Length;
        if (length == 0 || length % RecordLength != 0)
            throw new FragilityException(
                $"CIFAR-10 file '{file}' has {length} bytes, not a positive multiple of the {RecordLength}-byte record: it is truncated or not a CIFAR-10 binary batch. {Remedy}");
        return length;
    }

    private static IReadOnlyList<string> ReadClassNames(string directory)
    {
        string meta = Path.Combine(directory, "batches.meta.txt");
        if (!File.Exists(meta)) return StandardClassNames;
        var names = File.ReadAllLines(meta).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length is 0 or > 256)
            throw new FragilityException(
                $"CIFAR-10 class-name file '{meta}' lists {names.Length} names; expected one name per class (10 for CIFAR-10). Fix or delete the file.");
        return names;
    }
}
