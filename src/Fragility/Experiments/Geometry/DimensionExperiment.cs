using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Runtime;
using MathNet.Numerics.Statistics;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Dimension scaling on trained networks (finding 5: larger inputs are more fragile): the same architecture trained on
/// the same images resized to several sizes (<see cref="SizedModels"/>), each attacked with the same epsilon (top-k
/// attack and random sign perturbation on the simple-gradient map, k = 10% of the pixels, so the same fraction), and the
/// fragility against the input dimension (<see cref="Measure"/>, the numbers). <see cref="DimensionWriter"/> writes
/// <c>dimension.csv</c>, <c>per-image/dimension.csv</c>, <c>dimension.png</c> and <c>section.json</c>.
/// </summary>
public static class DimensionExperiment
{
    /// <summary>Trains (or loads) the family and attacks every size.</summary>
    /// <param name="sizes">Input sizes in pixels (square), e.g. 14, 28, 56.</param>
    /// <param name="modelsDir">Folder of trained models (trained when missing).</param>
    /// <param name="architecture">Registry architecture.</param>
    /// <param name="trainImages">Training images per model.</param>
    /// <param name="epochs">Training epochs per model.</param>
    /// <param name="datasetName">Data set.</param>
    /// <param name="dataDir">Its folder, or null.</param>
    /// <param name="images">Test images attacked per size.</param>
    /// <param name="settings">Attack settings (the same epsilon at every size; k left to the size's default unless set).</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives training and attack updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static DimensionResult Measure(IReadOnlyList<int> sizes, string modelsDir, string architecture, int trainImages, int epochs, string datasetName, string? dataDir,
        int images, AttackSettings settings, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        Combine(sizes, architecture, trainImages, epochs, datasetName, images, settings,
            [MeasureSizes(sizes, modelsDir, architecture, trainImages, epochs, datasetName, dataDir, images, settings, batchSize, null, progress, cancellation)]);

    /// <summary>Trains (or loads) and attacks the sizes <paramref name="part"/> only (positions among the sizes in
    /// increasing order; null: all), as the run over all sizes does: one process's part of a study split over processes.</summary>
    /// <exception cref="FragilityException">Fewer than two sizes.</exception>
    public static DimensionPart MeasureSizes(IReadOnlyList<int> sizes, string modelsDir, string architecture, int trainImages, int epochs, string datasetName, string? dataDir,
        int images, AttackSettings settings, int batchSize, (int Start, int Count)? part, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        var ordered = Ordered(sizes);
        var (first, end) = BatchRange.Of(ordered.Length, 1, part);
        var rows = new List<DimensionRow>();
        var detail = new List<DimensionImage>();
        foreach (int size in ordered[first..end])
        {
            cancellation.ThrowIfCancellationRequested();
            var (model, path, _) = SizedModels.LoadOrTrain(modelsDir, datasetName, dataDir, architecture, size, trainImages, epochs, settings.Seed, progress);
            using (model)
            {
                using var inputs = GeometryInputs.Load(model, datasetName, dataDir, images);
                var s = settings with { K = settings.K is int k ? Math.Min(k, size * size) : null };
                var method = new SimpleGradient();
                var topk = MapFragility.Measure(model, inputs.Images.Images, AttackNames.TopK, method, s, batchSize, progress, 0, cancellation);
                var random = MapFragility.Measure(model, inputs.Images.Images, AttackNames.Random, method, s, batchSize, null, 0, cancellation);
                int kUsed = s.ResolveK(size, size);
                double accuracy = model.Metadata.TestAccuracy ?? double.NaN;
                var t = topk.Select(r => r.TopKIntersection).ToArray();
                rows.Add(new DimensionRow(size, kUsed, Path.GetFileName(path), accuracy, inputs.Count, t.Mean(), t.StandardDeviation(), topk.Average(r => r.Spearman),
                    topk.Average(r => r.CenterShift), topk.Count(r => r.LabelKept) / (double)topk.Count, random.Average(r => r.TopKIntersection), random.Average(r => r.Spearman)));
                for (int i = 0; i < inputs.Count; i++)
                    detail.Add(new DimensionImage(size, inputs.Indices[i], topk[i].TopKIntersection, topk[i].Spearman, topk[i].CenterShift, topk[i].LabelKept,
                        random[i].TopKIntersection, random[i].Spearman));
            }
        }
        return new DimensionPart(first, rows, detail);
    }

    /// <summary>The result of the parts <see cref="MeasureSizes"/> measured, in increasing size.</summary>
    /// <exception cref="FragilityException">The parts do not cover the sizes exactly once.</exception>
    public static DimensionResult Combine(IReadOnlyList<int> sizes, string architecture, int trainImages, int epochs, string datasetName, int images,
        AttackSettings settings, IReadOnlyList<DimensionPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var ordered = parts.OrderBy(p => p.First).ToList();
        var rows = GeometryParts.Consecutive(ordered.Select(p => (p.First, p.Rows)), Ordered(sizes).Length);
        return new DimensionResult(architecture, datasetName, trainImages, epochs, images, settings, rows, ordered.SelectMany(p => p.Details).ToList());
    }

    /// <summary>The distinct sizes in increasing order, at least two.</summary>
    private static int[] Ordered(IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 2) throw new FragilityException($"--sizes needs at least two sizes to compare, got {sizes.Count}.");
        return sizes.Distinct().Order().ToArray();
    }

    /// <summary>Measures (<see cref="Measure"/>) and writes the folder <paramref name="outDir"/> (<see cref="DimensionWriter"/>
    /// through <see cref="GeometryFiles.Write"/>).</summary>
    public static ExperimentSummary Run(IReadOnlyList<int> sizes, string modelsDir, string architecture, int trainImages, int epochs, string datasetName, string? dataDir,
        int images, AttackSettings settings, string outDir, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        GeometryFiles.Write(Measure(sizes, modelsDir, architecture, trainImages, epochs, datasetName, dataDir, images, settings, batchSize, progress, cancellation),
            outDir, new DimensionWriter());
}
