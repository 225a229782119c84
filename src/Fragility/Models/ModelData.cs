using Fragility.Data;

namespace Fragility.Models;

/// <summary>Data sets read in the geometry a model expects.</summary>
public static class ModelData
{
    /// <summary>Loads <paramref name="dataset"/> in <paramref name="model"/>'s geometry and refuses it when its images
    /// are not the model's size.</summary>
    public static ImageDataset Load(Classifier model, string dataset, DatasetSplit split, string? dataDir, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var data = DatasetCatalog.Load(dataset, split, dataDir, model.Metadata.Preprocessing.LoadOptions(), limit);
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
