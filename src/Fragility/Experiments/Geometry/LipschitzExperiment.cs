using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Runtime;
using MathNet.Numerics.Statistics;
using TorchSharp;
using static Fragility.Experiments.Geometry.GeometryFiles;
using static TorchSharp.torch;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Tests whether the Lipschitz constant is a factor in how fragile a model's explanations are: for several trained
/// models (seeds, widths, weight decay, softplus vs ReLU), the certified bound (<see cref="LipschitzBound"/>), the
/// empirical local constant (<see cref="GradientNormAscent"/>), the local Lipschitz estimates of the saliency map, and
/// the fragility of the simple-gradient map under the top-k attack; across models, Spearman and Pearson correlations
/// (Pearson on log10 of the constants) between fragility (1 - top-k intersection) and each constant. Writes
/// <c>lipschitz.csv</c> (one row per model), <c>lipschitz-correlations.csv</c>, <c>per-image/layers.csv</c> (the bound's
/// factors), <c>lipschitz.png</c> and <c>section.json</c>.
/// </summary>
public static class LipschitzExperiment
{
    /// <summary>Runs the experiment on the model files <paramref name="modelPaths"/> (null or empty entry: the shipped model).</summary>
    /// <param name="modelPaths">Model files.</param>
    /// <param name="datasetName">Test data set (images resized to each model's size when needed).</param>
    /// <param name="dataDir">Its folder, or null for the default.</param>
    /// <param name="images">Images per model.</param>
    /// <param name="settings">Epsilon, attack iterations and step, beta, k.</param>
    /// <param name="ascentIterations">Iterations of the gradient-norm ascent.</param>
    /// <param name="outDir">Output folder.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives per-model updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static ExperimentSummary Run(IReadOnlyList<string?> modelPaths, string datasetName, string? dataDir, int images, AttackSettings settings,
        int ascentIterations, string outDir, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        if (modelPaths.Count < 2) throw new FragilityException($"The Lipschitz experiment compares models: give at least two with --models (got {modelPaths.Count}).");
        var rows = new List<LipschitzModelRow>();
        var layerRows = new List<object?[]>();
        for (int m = 0; m < modelPaths.Count; m++)
        {
            cancellation.ThrowIfCancellationRequested();
            string name = string.IsNullOrEmpty(modelPaths[m]) ? ModelStore.ShippedModelFile : Path.GetFileName(modelPaths[m]!);
            progress?.Report(new ProgressUpdate("models", m, modelPaths.Count, name));
            using var model = ModelStore.Load(modelPaths[m]);
            var layers = LipschitzBound.Layers(model);
            double bound = layers.Aggregate(1.0, (a, l) => a * l.Constant);
            layerRows.AddRange(layers.Select(l => new object?[] { name, l.Name, l.Kind, l.Constant, l.How }));
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
            progress?.Report(new ProgressUpdate("models", m + 1, modelPaths.Count, name));
        }

        WriteCsv(Path.Combine(outDir, "lipschitz.csv"),
            ["model", "architecture", "training", "images", "lipschitz_bound", "clean_gradient_norm", "empirical_lipschitz", "map_local_lipschitz", "map_adversarial_lipschitz",
             "topk_attack_topk_intersection", "topk_attack_spearman", "random_topk_intersection", "label_kept", "fragility"],
            rows.Select(r => new object?[] { r.Model, r.Architecture, r.Description, r.Images, r.Bound, r.CleanGradientNorm, r.EmpiricalLipschitz, r.MapLipschitz,
                r.AdversarialMapLipschitz, r.TopKIntersection, r.Spearman, r.RandomTopKIntersection, r.LabelKept, 1 - r.TopKIntersection }));
        WriteCsv(Path.Combine(outDir, DetailFolder, "layers.csv"), ["model", "layer", "kind", "lipschitz", "how"], layerRows);

        var fragility = rows.Select(r => 1 - r.TopKIntersection).ToArray();
        var constants = new (string Key, string Label, double[] Values)[]
        {
            ("bound", "certified bound (product of layer norms)", rows.Select(r => r.Bound).ToArray()),
            ("empirical", "empirical local constant (max ||∇ score|| in the ε ball)", rows.Select(r => r.EmpiricalLipschitz).ToArray()),
            ("map_local", "local Lipschitz estimate of the map", rows.Select(r => r.MapLipschitz).ToArray()),
        };
        var correlations = constants.Select(c => (c.Key, c.Label, Spearman: Correlation.Spearman(c.Values, fragility),
            Pearson: Correlation.Pearson(c.Values.Select(v => Math.Log10(Math.Max(v, 1e-300))), fragility))).ToList();
        WriteCsv(Path.Combine(outDir, "lipschitz-correlations.csv"), ["constant", "models", "spearman_with_fragility", "pearson_log10_with_fragility"],
            correlations.Select(c => new object?[] { c.Key, rows.Count, c.Spearman, c.Pearson }));

        var plots = new List<ScottPlot.Plot>();
        for (int i = 0; i < constants.Length; i++)
        {
            var plot = GeometryPlots.New(constants[i].Label, constants[i].Key == "bound" ? "Lipschitz bound" : constants[i].Key == "empirical" ? "largest gradient norm" : "map Lipschitz estimate",
                "fragility (1 − top-k intersection)");
            var xs = GeometryPlots.Log10(constants[i].Values);
            var points = plot.Add.ScatterPoints(xs, fragility, GeometryPlots.Colour(i));
            points.MarkerSize = 9;
            points.LegendText = $"ρ = {Num(correlations[i].Spearman, "F2")} (Spearman), r = {Num(correlations[i].Pearson, "F2")} (Pearson, log)";
            for (int r = 0; r < rows.Count; r++)
            {
                var label = plot.Add.Text(Path.GetFileNameWithoutExtension(rows[r].Model), xs[r], fragility[r]);
                label.LabelFontSize = 9;
                label.LabelFontColor = ScottPlot.Color.FromHex("#555555");
            }
            GeometryPlots.LogAxis(plot.Axes.Bottom, xs);
            // Room on the right for the model names written beside the points.
            plot.Axes.Margins(left: 0.08, right: 0.3, bottom: 0.1, top: 0.1);
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
            plots.Add(plot);
        }
        GeometryPlots.SaveRow(Path.Combine(outDir, "lipschitz.png"), plots, 520, 400);

        var numbers = correlations.SelectMany(c => new[] { ($"spearman_{c.Key}", c.Spearman), ($"pearson_log_{c.Key}", c.Pearson) }).ToDictionary(p => p.Item1, p => p.Item2);
        var lines = rows.Select(r => $"{r.Model}: bound {Num(r.Bound)}, empirical {Num(r.EmpiricalLipschitz)}, map {Num(r.MapLipschitz)}, top-k after attack {Num(r.TopKIntersection, "F3")} (random {Num(r.RandomTopKIntersection, "F3")}).").ToList();
        lines.AddRange(correlations.Select(c => $"Fragility vs {c.Label}: Spearman {Num(c.Spearman, "F2")}, Pearson (log) {Num(c.Pearson, "F2")} over {rows.Count} models."));
        WriteSection(outDir, "Geometry: Lipschitz constants and fragility across models",
            $"{rows.Count} models, {images} test images each, top-k attack on the simple-gradient map with ε = {Num(settings.Epsilon)}/255, {settings.Iterations} iterations, β = {Num(settings.Beta)}; " +
            $"gradient-norm ascent {ascentIterations} iterations. Fragility = 1 − mean top-k intersection. " + string.Join(" ", lines.Skip(rows.Count)),
            new Dictionary<string, string>
            {
                ["lipschitz.png"] = "Fragility of the simple-gradient map against three Lipschitz constants, one point per model (log scale).",
                ["lipschitz.csv"] = "Per model: constants and fragility.",
                ["lipschitz-correlations.csv"] = "Correlations across models between fragility and each constant.",
            });
        return new ExperimentSummary(outDir, lines, numbers);
    }

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
