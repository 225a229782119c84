using Fragility.Attacks;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Runtime;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// The angles study: <see cref="AngleMeasurement"/> on a set of images (<see cref="Measure"/>, the numbers), written by
/// <see cref="AngleWriter"/> as <c>angles.csv</c> (per direction: n, mean, median, standard deviation, fraction within
/// 10 degrees of 90), <c>per-image/angles.csv</c>, <c>angles.png</c> (histograms, as in the paper) and <c>section.json</c>.
/// </summary>
public static class AngleExperiment
{
    /// <summary>Measures the angles of every image.</summary>
    /// <param name="model">The classifier (the softplus twin is used for the directions).</param>
    /// <param name="inputs">Images (e.g. the first N correctly classified test images).</param>
    /// <param name="settings">Beta of the twin and k of the top-k objective; the seed draws the Lanczos start vectors.</param>
    /// <param name="modelName">Model name for the texts.</param>
    /// <param name="lanczosSteps">Lanczos steps per image.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives "angles" updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static AngleResult Measure(Classifier model, SelectedInputs inputs, AttackSettings settings, string modelName,
        int lanczosSteps = 20, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        Combine(model, inputs, settings, modelName, lanczosSteps, [MeasureImages(model, inputs, settings, lanczosSteps, batchSize, null, progress, cancellation)]);

    /// <summary>The angles of the images <paramref name="images"/> only (whole batches; null: all), as the run over
    /// all images measures them: one process's part of a study split over processes.</summary>
    public static IReadOnlyList<AngleRecord> MeasureImages(Classifier model, SelectedInputs inputs, AttackSettings settings, int lanczosSteps, int batchSize,
        (int Start, int Count)? images, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return AngleMeasurement.Measure(model, inputs.Images.Images, settings, lanczosSteps, batchSize, settings.Seed, progress, cancellation, images);
    }

    /// <summary>The result of the parts <see cref="MeasureImages"/> measured, in image order.</summary>
    public static AngleResult Combine(Classifier model, SelectedInputs inputs, AttackSettings settings, string modelName, int lanczosSteps,
        IReadOnlyList<IReadOnlyList<AngleRecord>> parts)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var records = GeometryParts.InOrder(parts, r => r.Position, inputs.Count);
        var p = model.Metadata.Preprocessing;
        return new AngleResult(modelName, settings.Beta, settings.ResolveK(p.Height, p.Width), lanczosSteps, records.Select(r => inputs.Indices[r.Position]).ToArray(), records);
    }

    /// <summary>Measures (<see cref="Measure"/>) and writes the folder <paramref name="outDir"/> (<see cref="AngleWriter"/> through <see cref="GeometryFiles.Write"/>).</summary>
    public static ExperimentSummary Run(Classifier model, SelectedInputs inputs, AttackSettings settings, string outDir, string modelName,
        int lanczosSteps = 20, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        GeometryFiles.Write(Measure(model, inputs, settings, modelName, lanczosSteps, batchSize, progress, cancellation), outDir, new AngleWriter());
}
