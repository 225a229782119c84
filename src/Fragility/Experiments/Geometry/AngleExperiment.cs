using Fragility.Attacks;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Runtime;
using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Runs <see cref="AngleMeasurement"/> on a set of images and writes <c>angles.csv</c> (per direction: n, mean, median,
/// standard deviation, fraction within 10 degrees of 90), <c>per-image/angles.csv</c>, <c>angles.png</c> (histograms, as
/// in the paper) and <c>section.json</c>.
/// </summary>
public static class AngleExperiment
{
    /// <summary>Runs the measurement.</summary>
    /// <param name="model">The classifier (the softplus twin is used for the directions).</param>
    /// <param name="inputs">Images (e.g. the first N correctly classified test images).</param>
    /// <param name="settings">Beta of the twin and k of the top-k objective.</param>
    /// <param name="outDir">Output folder.</param>
    /// <param name="modelName">Model name for the texts.</param>
    /// <param name="lanczosSteps">Lanczos steps per image.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives "angles" updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static ExperimentSummary Run(Classifier model, Experiments.SelectedInputs inputs, AttackSettings settings, string outDir, string modelName,
        int lanczosSteps = 20, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        var records = AngleMeasurement.Measure(model, inputs.Images.Images, settings, lanczosSteps, batchSize, settings.Seed, progress, cancellation);
        WriteCsv(Path.Combine(outDir, DetailFolder, "angles.csv"),
            ["image", "label", "score_gradient_norm", "angle_topk", "angle_mass_center", "angle_eigenvector", "dominant_eigenvalue", "angle_topk_eigenvector"],
            records.Select(r => new object?[] { inputs.Indices[r.Position], r.Label, r.ScoreGradientNorm, r.TopKAngle, r.MassCenterAngle, r.EigenvectorAngle, r.DominantEigenvalue, r.TopKEigenvectorAngle }));
        var directions = new (string Name, string Label, double[] Values)[]
        {
            ("topk", "∇D top-k", records.Select(r => r.TopKAngle).ToArray()),
            ("mass_center", "∇D mass-center", records.Select(r => r.MassCenterAngle).ToArray()),
            ("eigenvector", "top Hessian eigenvector", records.Select(r => r.EigenvectorAngle).ToArray()),
        };
        var stats = directions.Select(d => (d.Name, d.Label, Stats: AngleStatistics.Of(d.Values))).ToList();
        WriteCsv(Path.Combine(outDir, "angles.csv"),
            ["direction", "images", "mean_deg", "median_deg", "std_deg", "within_10_of_90", "undefined"],
            stats.Select(s => new object?[] { s.Name, s.Stats.Count, s.Stats.Mean, s.Stats.Median, s.Stats.StandardDeviation, s.Stats.NearOrthogonal, s.Stats.Undefined }));

        var plots = new List<ScottPlot.Plot>();
        for (int i = 0; i < directions.Length; i++)
        {
            var (name, label, values) = directions[i];
            var s = stats[i].Stats;
            bool acute = name == "eigenvector";
            var plot = GeometryPlots.New($"∇score_y vs {label}", "angle (degrees)", "fraction of images");
            GeometryPlots.Histogram(plot, values, 0, acute ? 90 : 180, acute ? 2.5 : 5, GeometryPlots.Colour(i), $"mean {Num(s.Mean, "F1")}°, {Num(100 * s.NearOrthogonal, "F0")}% within 10° of 90°");
            var ninety = plot.Add.VerticalLine(90, 1.5f, ScottPlot.Color.FromHex("#444444"));
            ninety.LinePattern = ScottPlot.LinePattern.Dashed;
            plot.Axes.SetLimitsX(0, acute ? 92 : 180);
            plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
            plots.Add(plot);
        }
        GeometryPlots.SaveRow(Path.Combine(outDir, "angles.png"), plots);

        var numbers = new Dictionary<string, double>();
        var lines = new List<string>();
        foreach (var (name, label, s) in stats)
        {
            numbers[$"mean_angle_{name}"] = s.Mean;
            numbers[$"within10_{name}"] = s.NearOrthogonal;
            lines.Add($"{label}: mean angle {Num(s.Mean, "F1")}° (median {Num(s.Median, "F1")}°, sd {Num(s.StandardDeviation, "F1")}°), {Num(100 * s.NearOrthogonal, "F1")}% within 10° of 90° over {s.Count} images{(s.Undefined > 0 ? $" ({s.Undefined} undefined: zero direction)" : "")}.");
        }
        WriteSection(outDir, "Geometry: angles between prediction and explanation directions",
            $"Model {modelName}, softplus twin with β = {Num(settings.Beta)}, {records.Count} test images (the first correctly classified ones). For each image the angle between ∇x score_y " +
            $"(the direction that changes the prediction most) and ∇x D of the top-k (k = {settings.ResolveK(model.Metadata.Preprocessing.Height, model.Metadata.Preprocessing.Width)}) and mass-center objectives on the simple-gradient map, and the acute angle to the dominant eigenvector of the input Hessian of score_y ({lanczosSteps} Lanczos steps). " +
            string.Join(" ", lines),
            new Dictionary<string, string>
            {
                ["angles.png"] = "Histograms of the angles between ∇x score_y and the directions that move the explanation (dashed: 90°).",
                ["angles.csv"] = "Angle statistics per direction (degrees).",
            });
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
