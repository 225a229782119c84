using Fragility.Data;
using Fragility.Models;

namespace Fragility.Cli.Infrastructure;

/// <summary>Loads data sets in the geometry a model expects.</summary>
public static class CliData
{
    /// <summary>The image geometry a model was trained for.</summary>
    public static ImageLoadOptions OptionsFor(Classifier model) => model.Metadata.Preprocessing.LoadOptions();

    /// <summary>The inputs of <c>--input</c> (see <see cref="InputSpec.Resolve"/>) in the model's geometry; says in one
    /// line per kind what was converted on the way in, or refuses it with <paramref name="strict"/>.</summary>
    public static ImageDataset Inputs(CliConsole console, Classifier model, string spec, string dataset, string? dataDir, bool strict) =>
        Checked(console, model, InputSpec.Resolve(spec, OptionsFor(model), dataset, dataDir, model.Metadata.ClassNames), strict);

    /// <summary>Up to <paramref name="limit"/> test images of <paramref name="dataset"/> (in file order) in the model's
    /// geometry, checked as <see cref="Inputs"/> checks them.</summary>
    public static ImageDataset Pool(CliConsole console, Classifier model, string dataset, string? dataDir, int limit, bool strict) =>
        Checked(console, model, DatasetCatalog.Load(dataset, DatasetSplit.Test, dataDir, OptionsFor(model), limit), strict);

    private static ImageDataset Checked(CliConsole console, Classifier model, ImageDataset inputs, bool strict)
    {
        try
        {
            var notes = InputChecks.Notes(model, inputs);
            if (strict && notes.Count > 0) throw InputChecks.Refusal(model, notes[0]);
            console.Notes(notes);
            return inputs;
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }
}
