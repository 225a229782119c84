using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>Writes an <see cref="AngleResult"/> (through <see cref="GeometryFiles.Write"/>): <c>per-image/angles.csv</c>,
/// <c>angles.csv</c>, <c>angles.png</c> and the section with its summary in words.</summary>
public sealed class AngleWriter : IGeometryStudyWriter<AngleResult>
{
    /// <inheritdoc />
    public string Title => "Geometry: angles between prediction and explanation directions";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Captions { get; } = new Dictionary<string, string>
    {
        ["angles.png"] = "Histograms of the angles between ∇x score_y and the directions that move the explanation (dashed: 90°).",
        ["angles.csv"] = "Angle statistics per direction (degrees).",
    };

    /// <inheritdoc />
    public string Description(AngleResult result, ExperimentSummary summary) =>
        $"Model {result.ModelName}, softplus twin with β = {Num(result.Beta)}, {result.Records.Count} test images (the first correctly classified ones). For each image the angle between ∇x score_y " +
        $"(the direction that changes the prediction most) and ∇x D of the top-k (k = {result.K}) and mass-center objectives on the simple-gradient map, and the acute angle to the dominant eigenvector of the input Hessian of score_y ({result.LanczosSteps} Lanczos steps). " +
        string.Join(" ", summary.Headlines);

    /// <summary>Writes <c>per-image/angles.csv</c> (one row per image) and <c>angles.csv</c> (one row per direction).</summary>
    public void WriteTables(AngleResult result, string outDir)
    {
        WriteCsv(Path.Combine(outDir, DetailFolder, "angles.csv"),
            ["image", "label", "score_gradient_norm", "angle_topk", "angle_mass_center", "angle_eigenvector", "dominant_eigenvalue", "angle_topk_eigenvector"],
            result.Records.Select((r, i) => new object?[] { result.Images[i], r.Label, r.ScoreGradientNorm, r.TopKAngle, r.MassCenterAngle, r.EigenvectorAngle, r.DominantEigenvalue, r.TopKEigenvectorAngle }));
        WriteCsv(Path.Combine(outDir, "angles.csv"),
            ["direction", "images", "mean_deg", "median_deg", "std_deg", "within_10_of_90", "undefined"],
            result.Directions.Select(d => new object?[] { d.Name, d.Statistics.Count, d.Statistics.Mean, d.Statistics.Median, d.Statistics.StandardDeviation, d.Statistics.NearOrthogonal, d.Statistics.Undefined }));
    }

    /// <summary>Writes <c>angles.png</c>: the histograms of the angles, one panel per direction.</summary>
    public void WriteFigures(AngleResult result, string outDir)
    {
        var plots = new List<ScottPlot.Plot>();
        for (int i = 0; i < result.Directions.Count; i++)
        {
            var d = result.Directions[i];
            var s = d.Statistics;
            var plot = GeometryPlots.New($"∇score_y vs {d.Label}", "angle (degrees)", "fraction of images");
            GeometryPlots.Histogram(plot, d.Angles, 0, d.Acute ? 90 : 180, d.Acute ? 2.5 : 5, GeometryPlots.Colour(i), $"mean {Num(s.Mean, "F1")}°, {Num(100 * s.NearOrthogonal, "F0")}% within 10° of 90°");
            var ninety = plot.Add.VerticalLine(90, 1.5f, ScottPlot.Color.FromHex("#444444"));
            ninety.LinePattern = ScottPlot.LinePattern.Dashed;
            plot.Axes.SetLimitsX(0, d.Acute ? 92 : 180);
            plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
            plots.Add(plot);
        }
        GeometryPlots.SaveRow(Path.Combine(outDir, "angles.png"), plots);
    }

    /// <summary>The headline per direction in words, and the headline numbers (mean_angle_NAME, within10_NAME).</summary>
    public ExperimentSummary Summarise(AngleResult result, string outDir)
    {
        var numbers = new Dictionary<string, double>();
        var lines = new List<string>();
        foreach (var d in result.Directions)
        {
            var s = d.Statistics;
            numbers[$"mean_angle_{d.Name}"] = s.Mean;
            numbers[$"within10_{d.Name}"] = s.NearOrthogonal;
            lines.Add($"{d.Label}: mean angle {Num(s.Mean, "F1")}° (median {Num(s.Median, "F1")}°, sd {Num(s.StandardDeviation, "F1")}°), {Num(100 * s.NearOrthogonal, "F1")}% within 10° of 90° over {s.Count} images{(s.Undefined > 0 ? $" ({s.Undefined} undefined: zero direction)" : "")}.");
        }
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
