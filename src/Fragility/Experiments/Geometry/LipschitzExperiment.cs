using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Runtime;
using MathNet.Numerics.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Tests whether the Lipschitz constant is a factor in how fragile a model's explanations are: for several trained
/// models (seeds, widths, weight decay, softplus vs ReLU), the certified bound (<see cref="LipschitzBound"/>), the
/// empirical local constant (<see cref="GradientNormAscent"/>), the local Lipschitz estimates of the saliency map, and
/// the fragility of the simple-gradient map under the top-k attack; across models, Spearman and Pearson correlations
/// (Pearson on log10 of the constants) between fragility (1 - top-k intersection) and each constant (<see cref="Measure"/>,
/// the numbers). <see cref="LipschitzWriter"/> writes <c>lipschitz.csv</c> (one row per model),
/// <c>lipschitz-correlations.csv</c>, <c>per-image/layers.csv</c> (the bound's factors), <c>lipschitz.png</c> and
/// <c>section.json</c>.
/// </summary>
public static class LipschitzExperiment
{
    /// <summary>The model files to compare: <paramref name="models"/> ("shipped" is the shipped model, null in the list)
    /// and every .safetensors file of <paramref name="modelDir"/> in name order, after the shipped model when no list is
    /// given.</summary>
    /// <exception cref="FragilityException">The folder or a model file does not exist.</exception>
    public static IReadOnlyList<string?> ModelPaths(IReadOnlyList<string>? models, string? modelDir)
    {
        var paths = new List<string?>();
        if (models is not null) paths.AddRange(models.Select(m => m.Equals("shipped", StringComparison.OrdinalIgnoreCase) ? null : m));
        if (modelDir is not null)
        {
            if (!Directory.Exists(modelDir)) throw new FragilityException($"--model-dir '{modelDir}' does not exist. Train models into it first ('fragility train --out {modelDir}/NAME.safetensors').");
            if (models is null) paths.Add(null);
            paths.AddRange(Directory.GetFiles(modelDir, "*.safetensors").Order(StringComparer.Ordinal));
        }
        foreach (var path in paths.OfType<string>())
            if (!File.Exists(path)) throw new FragilityException($"Model file '{path}' does not exist. Check --models.");
        return paths;
    }

    /// <summary>Measures the models <paramref name="modelPaths"/> (null or empty entry: the shipped model).</summary>
    /// <param name="modelPaths">Model files.</param>
    /// <param name="datasetName">Test data set (images resized to each model's size when needed).</param>
    /// <param name="dataDir">Its folder, or null for the default.</param>
    /// <param name="images">Images per model.</param>
    /// <param name="settings">Epsilon, attack iterations and step, beta, k.</param>
    /// <param name="ascentIterations">Iterations of the gradient-norm ascent.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives per-model updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static LipschitzResult Measure(IReadOnlyList<string?> modelPaths, string datasetName, string? dataDir, int images, AttackSettings settings,
        int ascentIterations, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        Combine(modelPaths.Count, images, settings, ascentIterations,
            [MeasureModels(modelPaths, datasetName, dataDir, images, settings, ascentIterations, batchSize, null, progress, cancellation)]);

    /// <summary>The rows of the models <paramref name="models"/> only (positions in <paramref name="modelPaths"/>; null:
    /// all), as the run over all models measures them: one process's part of a study split over processes.</summary>
    /// <exception cref="FragilityException">Fewer than two models.</exception>
    public static LipschitzPart MeasureModels(IReadOnlyList<string?> modelPaths, string datasetName, string? dataDir, int images, AttackSettings settings,
        int ascentIterations, int batchSize, (int Start, int Count)? models, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(modelPaths);
        if (modelPaths.Count < 2) throw new FragilityException($"The Lipschitz experiment compares models: give at least two with --models (got {modelPaths.Count}).");
        var (first, end) = BatchRange.Of(modelPaths.Count, 1, models);
        var rows = new List<LipschitzModelRow>();
        var layerRows = new List<ModelLayerLipschitz>();
        for (int m = first; m < end; m++)
        {
            cancellation.ThrowIfCancellationRequested();
            string name = string.IsNullOrEmpty(modelPaths[m]) ? ModelStore.ShippedModelFile : Path.GetFileName(modelPaths[m]!);
            progress?.Report(new ProgressUpdate("models", m - first, end - first, name));
            using var model = ModelStore.Load(modelPaths[m]);
            var layers = LipschitzBound.Layers(model);
            double bound = layers.Aggregate(1.0, (a, l) => a * l.Constant);
            layerRows.AddRange(layers.Select(l => new ModelLayerLipschitz(name, l)));
            using var inputs = GeometryInputs.Load(model, datasetName, dataDir, images);
            var x = inputs.Images.Images;
            var clean = new List<double>(); var largest = new List<double>(); var mapLipschitz = new List<double>();
            var ascent = settings with { Iterations = ascentIterations };
            var method = new SimpleGradient();
            var local = new LocalLipschitzEstimate(settings.Epsilon, samples: 10, seed: settings.Seed);
            for (int start = 0; start < inputs.Count; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int count = Math.Min(batchSize, inputs.Count - start);
                var batch = x.narrow(0, start, count);
                long[] labels;
                using (model.UseRelu()) labels = model.Predict(batch).Labels;
                var target = torch.tensor(labels, dtype: ScalarType.Int64);
                var (c, l) = GradientNormAscent.Run(model, batch, target, ascent);
                clean.AddRange(c); largest.AddRange(l);
                using (model.UseRelu())
                    mapLipschitz.AddRange(local.Evaluate(z => SaliencyMaps.FromAttribution(method.Attribute(model, z, target)), batch));
            }
            var topk = MapFragility.Measure(model, x, AttackNames.TopK, method, settings, batchSize, null, 0, cancellation);
            var random = MapFragility.Measure(model, x, AttackNames.Random, method, settings, batchSize, null, 0, cancellation);
            rows.Add(new LipschitzModelRow(name, model.Metadata.Architecture, Describe(model.Metadata), inputs.Count, bound, clean.Average(), largest.Average(),
                mapLipschitz.Average(), topk.Average(r => r.MapChangePerInput), topk.Average(r => r.TopKIntersection), topk.Average(r => r.Spearman),
                random.Average(r => r.TopKIntersection), topk.Count(r => r.LabelKept) / (double)topk.Count));
            progress?.Report(new ProgressUpdate("models", m + 1 - first, end - first, name));
        }

        return new LipschitzPart(first, rows, layerRows);
    }

    /// <summary>The result of the parts <see cref="MeasureModels"/> measured: the rows in model order and, across
    /// models, the correlations of fragility with each constant.</summary>
    /// <exception cref="FragilityException">The parts do not cover the models exactly once.</exception>
    public static LipschitzResult Combine(int models, int images, AttackSettings settings, int ascentIterations, IReadOnlyList<LipschitzPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var ordered = parts.OrderBy(p => p.First).ToList();
        var rows = GeometryParts.Consecutive(ordered.Select(p => (p.First, p.Rows)), models);
        var layerRows = ordered.SelectMany(p => p.Layers).ToList();
        var fragility = rows.Select(r => 1 - r.TopKIntersection).ToArray();
        var constants = new (string Key, string Label, double[] Values)[]
        {
            ("bound", "certified bound (product of layer norms)", rows.Select(r => r.Bound).ToArray()),
            ("empirical", "empirical local constant (max ||∇ score|| in the ε ball)", rows.Select(r => r.EmpiricalLipschitz).ToArray()),
            ("map_local", "local Lipschitz estimate of the map", rows.Select(r => r.MapLipschitz).ToArray()),
        };
        var correlations = constants.Select(c => new LipschitzCorrelation(c.Key, c.Label, c.Values, Correlation.Spearman(c.Values, fragility),
            Correlation.Pearson(c.Values.Select(v => Math.Log10(Math.Max(v, 1e-300))), fragility))).ToList();
        return new LipschitzResult(images, settings, ascentIterations, rows, layerRows, correlations);
    }

    /// <summary>Measures (<see cref="Measure"/>) and writes the folder <paramref name="outDir"/> (<see cref="LipschitzWriter"/>
    /// through <see cref="GeometryFiles.Write"/>).</summary>
    public static ExperimentSummary Run(IReadOnlyList<string?> modelPaths, string datasetName, string? dataDir, int images, AttackSettings settings,
        int ascentIterations, string outDir, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        GeometryFiles.Write(Measure(modelPaths, datasetName, dataDir, images, settings, ascentIterations, batchSize, progress, cancellation), outDir, new LipschitzWriter());

    private static string Describe(ModelMetadata m)
    {
        var parts = new List<string> { $"seed {m.Seed?.ToString(CultureInfo.InvariantCulture) ?? "?"}", m.Activation };
        if (m.Training is { } t)
        {
            if (t.TryGetValue("weight_decay", out var wd)) parts.Add($"wd {wd}");
            if (t.TryGetValue("train_images", out var ti)) parts.Add($"{ti} images");
            if (t.TryGetValue("epochs", out var ep)) parts.Add($"{ep} epochs");
        }
        parts.Add($"{m.Preprocessing.Height}x{m.Preprocessing.Width}");
        if (m.TestAccuracy is double acc) parts.Add($"acc {acc.ToString("P1", CultureInfo.InvariantCulture)}");
        return string.Join("; ", parts);
    }
}
