using Fragility.Data;
using Fragility.Models;

namespace Fragility.Cli.Infrastructure;

/// <summary>Loads data sets in the geometry a model expects.</summary>
public static class CliData
{
    /// <summary>The image geometry a model was trained for.</summary>
    public static ImageLoadOptions OptionsFor(Classifier model) => model.Metadata.Preprocessing.LoadOptions();

    /// <summary>Loads <paramref name="dataset"/> and checks it fits <paramref name="model"/>.</summary>
    public static ImageDataset LoadForModel(Classifier model, string dataset, DatasetSplit split, string? dataDir, int? limit = null)
    {
        var data = DatasetCatalog.Load(dataset, split, dataDir, OptionsFor(model), limit);
        var p = model.Metadata.Preprocessing;
        var (c, h, w) = data.ImageShape;
        if (c != p.Channels || h != p.Height || w != p.Width)
        {
            data.Dispose();
            throw new FragilityException($"Data set '{dataset}' has images of {c}x{h}x{w} but the model expects {p.Channels}x{p.Height}x{p.Width}. Choose a data set the model was trained for.");
        }
        return data;
    }
}
