using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>Writes a <see cref="LipschitzResult"/> (through <see cref="GeometryFiles.Write"/>): <c>lipschitz.csv</c>,
/// <c>per-image/layers.csv</c>, <c>lipschitz-correlations.csv</c>, <c>lipschitz.png</c> and the section with its
/// summary in words.</summary>
public sealed class LipschitzWriter : IGeometryStudyWriter<LipschitzResult>
{
    /// <inheritdoc />
    public string Title => "Geometry: Lipschitz constants and fragility across models";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Captions { get; } = new Dictionary<string, string>
    {
        ["lipschitz.png"] = "Fragility of the simple-gradient map against three Lipschitz constants, one point per model (log scale).",
        ["lipschitz.csv"] = "Per model: constants and fragility.",
        ["lipschitz-correlations.csv"] = "Correlations across models between fragility and each constant.",
    };

    /// <inheritdoc />
    public string Description(LipschitzResult result, ExperimentSummary summary) =>
        $"{result.Rows.Count} models, {result.Images} test images each, top-k attack on the simple-gradient map with ε = {Num(result.Settings.Epsilon)}/255, {result.Settings.Iterations} iterations, β = {Num(result.Settings.Beta)}; " +
        $"gradient-norm ascent {result.AscentIterations} iterations. Fragility = 1 − mean top-k intersection. " + string.Join(" ", summary.Headlines.Skip(result.Rows.Count));

    /// <summary>Writes <c>lipschitz.csv</c> (one row per model), <c>per-image/layers.csv</c> (the bounds' factors) and
    /// <c>lipschitz-correlations.csv</c>.</summary>
    public void WriteTables(LipschitzResult result, string outDir)
    {
        WriteCsv(Path.Combine(outDir, "lipschitz.csv"),
            ["model", "architecture", "training", "images", "lipschitz_bound", "clean_gradient_norm", "empirical_lipschitz", "map_local_lipschitz", "map_adversarial_lipschitz",
             "topk_attack_topk_intersection", "topk_attack_spearman", "random_topk_intersection", "label_kept", "fragility"],
            result.Rows.Select(r => new object?[] { r.Model, r.Architecture, r.Description, r.Images, r.Bound, r.CleanGradientNorm, r.EmpiricalLipschitz, r.MapLipschitz,
                r.AdversarialMapLipschitz, r.TopKIntersection, r.Spearman, r.RandomTopKIntersection, r.LabelKept, 1 - r.TopKIntersection }));
        WriteCsv(Path.Combine(outDir, DetailFolder, "layers.csv"), ["model", "layer", "kind", "lipschitz", "how"],
            result.Layers.Select(l => new object?[] { l.Model, l.Layer.Name, l.Layer.Kind, l.Layer.Constant, l.Layer.How }));
        WriteCsv(Path.Combine(outDir, "lipschitz-correlations.csv"), ["constant", "models", "spearman_with_fragility", "pearson_log10_with_fragility"],
            result.Correlations.Select(c => new object?[] { c.Key, result.Rows.Count, c.Spearman, c.Pearson }));
    }

    /// <summary>Writes <c>lipschitz.png</c>: fragility against each constant, one point per model, named.</summary>
    public void WriteFigures(LipschitzResult result, string outDir)
    {
        var rows = result.Rows;
        var fragility = result.Fragility;
        var plots = new List<ScottPlot.Plot>();
        for (int i = 0; i < result.Correlations.Count; i++)
        {
            var c = result.Correlations[i];
            var plot = GeometryPlots.New(c.Label, c.Key == "bound" ? "Lipschitz bound" : c.Key == "empirical" ? "largest gradient norm" : "map Lipschitz estimate",
                "fragility (1 − top-k intersection)");
            var xs = GeometryPlots.Log10(c.Values);
            var points = plot.Add.ScatterPoints(xs, fragility, GeometryPlots.Colour(i));
            points.MarkerSize = 9;
            points.LegendText = $"ρ = {Num(c.Spearman, "F2")} (Spearman), r = {Num(c.Pearson, "F2")} (Pearson, log)";
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
    }

    /// <summary>One headline per model, then one per constant's correlation; the numbers spearman_KEY and pearson_log_KEY.</summary>
    public ExperimentSummary Summarise(LipschitzResult result, string outDir)
    {
        var numbers = result.Correlations.SelectMany(c => new[] { ($"spearman_{c.Key}", c.Spearman), ($"pearson_log_{c.Key}", c.Pearson) }).ToDictionary(p => p.Item1, p => p.Item2);
        var lines = result.Rows.Select(r => $"{r.Model}: bound {Num(r.Bound)}, empirical {Num(r.EmpiricalLipschitz)}, map {Num(r.MapLipschitz)}, top-k after attack {Num(r.TopKIntersection, "F3")} (random {Num(r.RandomTopKIntersection, "F3")}).").ToList();
        lines.AddRange(result.Correlations.Select(c => $"Fragility vs {c.Label}: Spearman {Num(c.Spearman, "F2")}, Pearson (log) {Num(c.Pearson, "F2")} over {result.Rows.Count} models."));
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
