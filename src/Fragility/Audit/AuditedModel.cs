using Fragility.Data;
using Fragility.Models;
using Fragility.Models.Import;

namespace Fragility.Audit;

/// <summary>The model an audit runs on: a Fragility model file as it is, or any other file imported into the audit
/// folder, with the audited images' mean as its reference unless the import names other images.</summary>
/// <param name="Model">The loaded model (the caller disposes it).</param>
/// <param name="Path">The Fragility model file it is (for the score card and for workers).</param>
/// <param name="Messages">What the user should be told: the import and its notes.</param>
public sealed record AuditedModel(Classifier Model, string Path, IReadOnlyList<string> Messages)
{
    /// <summary>File name of an imported model in the audit folder.</summary>
    public const string ImportedFile = "model.safetensors";

    /// <summary>Loads <paramref name="file"/> (null: the shipped model) or, when <paramref name="import"/> is given,
    /// imports it into <paramref name="outDir"/>; an import without its own mean takes that of the audited images
    /// (<paramref name="dataset"/> in <paramref name="dataDir"/>), after checking that they fit the model at all, so a
    /// mismatch is reported as the images', not as a mean the user never asked for.</summary>
    public static AuditedModel Load(string? file, ImportOptions? import, string outDir, string dataset, string? dataDir)
    {
        if (import is null)
        {
            if (file is not null && !File.Exists(file)) throw new FragilityException($"Model file '{file}' does not exist: check the path.");
            string path = file ?? ModelStore.ShippedModelPath();
            return new AuditedModel(ModelStore.Load(path), path, []);
        }
        Directory.CreateDirectory(outDir);
        string target = System.IO.Path.Combine(outDir, ImportedFile);
        bool ownMean = import.MeanFrom is null;
        if (ownMean)
        {
            using (var probe = ModelImporter.Import(import).Model)
            using (var first = DatasetCatalog.Load(dataset, DatasetSplit.Test, dataDir, probe.Metadata.Preprocessing.LoadOptions(), limit: 1))
                RobustnessAudit.CheckGeometry(probe, first);
            import = import with { MeanFrom = dataDir ?? dataset, MeanDataDir = dataDir is null ? null : import.MeanDataDir };
        }
        var result = ModelImporter.ImportAndSave(import, target);
        string said = $"Imported {import.Source} as {result.Model.Metadata.Architecture} into {target}" +
            (ownMean ? $"; its reference is the mean of the audited images ({import.MeanFrom})." : ".");
        return new AuditedModel(result.Model, target, [said, .. result.Notes.Select(n => $"note: {n}")]);
    }

    /// <summary>How many images are read to choose from (in file order): all of a small-image data set, and about
    /// 200 MB of pixels for large images (330 at 3x224x224), so a big folder of photos is not read whole.</summary>
    public static int PoolSize(Classifier model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var p = model.Metadata.Preprocessing;
        return (int)Math.Clamp(200e6 / (4.0 * p.Channels * p.Height * p.Width), 200, 10000);
    }
}
