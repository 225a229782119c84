namespace Fragility.Data;

/// <summary>
/// Reads a folder of image files (ImageNet style) into an <see cref="ImageDataset"/>. Two layouts:
/// <list type="bullet">
/// <item><description>Class folders: one sub-folder per class (searched recursively); class names are the sub-folder
/// names sorted ordinally, and an image's label is the index of its folder's name (so a folder of ImageNet synset
/// folders n01440764 .. n15075141 gives the standard ImageNet class indices).</description></item>
/// <item><description>Flat: image files directly in the folder and no sub-folders. Their true class is unknown, so
/// every label is <see cref="UnknownLabel"/> (-1); users of such a data set take the model's prediction as the
/// label.</description></item>
/// </list>
/// Images are files with an extension in <see cref="ImageCodec.ImageExtensions"/>; other files and hidden entries
/// (names starting with '.') are skipped. Images are ordered by their path relative to the folder ('/' separated,
/// ordinal order), so the order does not depend on the file system.
/// </summary>
public static class ImageFolderReader
{
    /// <summary>The label given to images whose class is unknown (flat folders, single image files).</summary>
    public const long UnknownLabel = -1;

    /// <summary>Reads the images of a folder (see <see cref="ImageFolderReader"/> for the layouts).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="options">Channels, crop size and optional resize applied to every image.</param>
    /// <param name="limit">Read only the first <paramref name="limit"/> images in path order (all when null).</param>
    /// <param name="classNames">Class names for a flat folder (e.g. the model's classes, so that predictions can be
    /// named); ignored for class folders, whose names are the classes. Default: none.</param>
    /// <returns>A data set named "folder"; <see cref="ImageDataset.ItemNames"/> holds the relative paths.</returns>
    public static ImageDataset Load(string directory, ImageLoadOptions options, int? limit = null, IReadOnlyList<string>? classNames = null)
    {
        if (!Directory.Exists(directory))
            throw new FragilityException($"Image folder '{directory}' not found: check the path.");
        try
        {
            return LoadListed(directory, options, limit, classNames);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FragilityException($"Image folder '{directory}' cannot be listed ({e.Message}): check its permissions.", e);
        }
    }

    private static ImageDataset LoadListed(string directory, ImageLoadOptions options, int? limit, IReadOnlyList<string>? classNames)
    {
        var root = new DirectoryInfo(directory);
        var classDirs = root.EnumerateDirectories().Where(d => !IsHidden(d)).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        var topImages = ImagesIn(root, recursive: false);

        List<(string Relative, long Label)> items;
        IReadOnlyList<string> names;
        if (classDirs.Count == 0)
        {
            items = topImages.Select(f => (Relative(root, f), UnknownLabel)).ToList();
            names = classNames ?? [];
        }
        else
        {
            if (topImages.Count > 0)
                throw new FragilityException(
                    $"Image folder '{directory}' mixes class sub-folders with loose images (e.g. '{topImages[0].Name}'): move the images into class folders, or point to a folder of images only.");
            items = [];
            for (int label = 0; label < classDirs.Count; label++)
                items.AddRange(ImagesIn(new DirectoryInfo(Path.Combine(directory, classDirs[label])), recursive: true)
                    .Select(f => (Relative(root, f), (long)label)));
            names = classDirs;
        }
        if (items.Count == 0)
            throw new FragilityException(
                $"Image folder '{directory}' holds no images ({string.Join(", ", ImageCodec.ImageExtensions)}): point to a folder with images or one sub-folder of images per class.");

        items.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        if (limit is int n && n < items.Count) items = items.Take(n).ToList();

        long total = (long)items.Count * options.ValuesPerImage;
        if (total > Array.MaxLength)
            throw new FragilityException(
                $"Image folder '{directory}' has {items.Count} images, too many to hold at {options.Channels}x{options.Height}x{options.Width}: read fewer with a limit.");
        var values = new float[total];
        var conversions = new ImageConversion[items.Count];
        for (int i = 0; i < items.Count; i++)
            conversions[i] = ImageCodec.DecodeInto(Path.Combine(directory, items[i].Relative), options,
                values.AsSpan(i * options.ValuesPerImage, options.ValuesPerImage));
        var images = TorchSharp.torch.tensor(values, new long[] { items.Count, options.Channels, options.Height, options.Width });
        return new ImageDataset("folder", images, items.Select(t => t.Label).ToArray(), names, items.Select(t => t.Relative).ToArray()) { Conversions = conversions };
    }

    /// <summary>Reads one image file as a data set of one image with label <see cref="UnknownLabel"/>.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="options">Channels, crop size and optional resize.</param>
    /// <param name="classNames">Class names to attach (e.g. the model's), default none.</param>
    /// <returns>A data set named "image" whose single item name is the file name.</returns>
    public static ImageDataset LoadFile(string path, ImageLoadOptions options, IReadOnlyList<string>? classNames = null)
    {
        if (!ImageCodec.ImageExtensions.Contains(Path.GetExtension(path)))
            throw new FragilityException(
                $"File '{path}' is not an image file ({string.Join(", ", ImageCodec.ImageExtensions)}): give a PNG or JPEG image.");
        var values = new float[options.ValuesPerImage];
        var conversion = ImageCodec.DecodeInto(path, options, values);
        var image = TorchSharp.torch.tensor(values, new long[] { 1, options.Channels, options.Height, options.Width });
        return new ImageDataset("image", image, [UnknownLabel], classNames ?? [], [Path.GetFileName(path)]) { Conversions = [conversion] };
    }

    private static bool IsHidden(FileSystemInfo f) => f.Name.StartsWith('.');

    private static List<FileInfo> ImagesIn(DirectoryInfo dir, bool recursive)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = recursive, AttributesToSkip = 0, IgnoreInaccessible = false };
        return dir.EnumerateFiles("*", options)
            .Where(f => !IsHidden(f) && !f.FullName[dir.FullName.Length..].Contains("/.", StringComparison.Ordinal)
                        && ImageCodec.ImageExtensions.Contains(f.Extension))
            .ToList();
    }

    private static string Relative(DirectoryInfo root, FileInfo f) => Path.GetRelativePath(root.FullName, f.FullName).Replace('\\', '/');
}
