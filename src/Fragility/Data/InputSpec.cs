using System.Globalization;

namespace Fragility.Data;

/// <summary>
/// Resolves the inputs a command works on from one string:
/// <list type="bullet">
/// <item><description>"dataset:N": the first N test images of the chosen data set, in file order, with their labels;</description></item>
/// <item><description>a path to an image file: that image, label <see cref="ImageFolderReader.UnknownLabel"/>;</description></item>
/// <item><description>a path to a folder: its images (see <see cref="ImageFolderReader"/>), in relative-path order.</description></item>
/// </list>
/// </summary>
public static class InputSpec
{
    /// <summary>The prefix of the data-set form, "dataset:".</summary>
    public const string DatasetPrefix = "dataset:";

    /// <summary>Resolves an input specification into images.</summary>
    /// <param name="spec">"dataset:N", an image file or a folder of images.</param>
    /// <param name="imageOptions">Geometry for image files and folders (use <see cref="DatasetCatalog.DefaultImageOptions"/>
    /// for the model's data set); also used for "dataset:N" when the data set is "folder".</param>
    /// <param name="datasetName">Data set for "dataset:N" (one of <see cref="DatasetCatalog.Names"/>); default "sample".</param>
    /// <param name="dataDir">Folder of that data set (see <see cref="DatasetCatalog.Load"/>), default none.</param>
    /// <param name="classNames">Class names attached to unlabelled images (files, flat folders), e.g. the model's; default none.</param>
    public static ImageDataset Resolve(string spec, ImageLoadOptions imageOptions, string datasetName = DatasetCatalog.Sample,
        string? dataDir = null, IReadOnlyList<string>? classNames = null)
    {
        if (string.IsNullOrWhiteSpace(spec))
            throw new FragilityException("No input given: give an image file, a folder of images, or dataset:N.");
        if (spec.StartsWith(DatasetPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string count = spec[DatasetPrefix.Length..];
            if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                throw new FragilityException($"Input '{spec}' needs a positive whole number of images after '{DatasetPrefix}', e.g. {DatasetPrefix}16.");
            var dataset = DatasetCatalog.Load(datasetName, DatasetSplit.Test, dataDir, imageOptions, limit: n);
            if (dataset.Count < n)
            {
                int available = dataset.Count;
                dataset.Dispose();
                throw new FragilityException(
                    $"Input '{spec}' asks for {n} images but the test split of '{datasetName}' has only {available}: use {DatasetPrefix}{available} or fewer.");
            }
            return dataset;
        }
        if (File.Exists(spec)) return ImageFolderReader.LoadFile(spec, imageOptions, classNames);
        if (Directory.Exists(spec)) return ImageFolderReader.Load(spec, imageOptions, classNames: classNames);
        throw new FragilityException(
            $"Input '{spec}' is neither an existing image file or folder nor {DatasetPrefix}N: check the path, or use e.g. {DatasetPrefix}16 for the first 16 test images.");
    }
}
