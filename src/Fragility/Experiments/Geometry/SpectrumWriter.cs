using MathNet.Numerics.Statistics;
using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>Writes a <see cref="SpectrumResult"/> (through <see cref="GeometryFiles.Write"/>): <c>per-image/spectrum.csv</c>,
/// <c>spectrum.csv</c>, <c>spectrum.png</c> and the section with its summary in words.</summary>
public sealed class SpectrumWriter : IGeometryStudyWriter<SpectrumResult>
{
    /// <inheritdoc />
    public string Title => "Geometry: input-Hessian spectrum and fragility";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Captions { get; } = new Dictionary<string, string>
    {
        ["spectrum.png"] = "Left: per image, the dominant eigenvalue against the top-k intersection left by the top-k attack. Middle: the same against the relative curvature. Right: median of the largest eigenvalues per β.",
        ["spectrum.csv"] = "Eigenvalue statistics and Spearman correlations over images, per β.",
    };

    /// <inheritdoc />
    public string Description(SpectrumResult result, ExperimentSummary summary) =>
        $"Model {result.ModelName}, {result.Images.Count} test images. Eigenvalues of the Hessian of score_y with respect to the input on the softplus twin at β ∈ {{{string.Join(", ", result.Spectra.Select(s => Num(s.Beta)))}}}, " +
        $"by {result.LanczosSteps} Lanczos steps on Hessian-vector products (double backward; no dense Hessian). " + string.Join(" ", summary.Headlines);

    /// <summary>Writes <c>per-image/spectrum.csv</c> (one row per image and beta) and <c>spectrum.csv</c> (one row per beta).</summary>
    public void WriteTables(SpectrumResult result, string outDir)
    {
        var attack = result.Attack;
        int n = result.Images.Count;
        WriteCsv(Path.Combine(outDir, DetailFolder, "spectrum.csv"),
            ["image", "beta", "dominant_eigenvalue", "largest_eigenvalue", "smallest_eigenvalue", "score_gradient_norm", "relative_curvature", "top_eigenvalues", "attack_topk_intersection", "attack_spearman", "attack_label_kept"],
            result.Spectra.SelectMany(s => Enumerable.Range(0, n).Select(i => new object?[]
            {
                result.Images[i], s.Beta, s.Dominant[i], s.Largest[i][0], s.Smallest[i], s.ScoreGradientNorm[i],
                Math.Abs(s.Dominant[i]) / s.ScoreGradientNorm[i], string.Join(" ", s.Largest[i].Select(v => Field(v))),
                attack[i].TopKIntersection, attack[i].Spearman, attack[i].LabelKept,
            })));
        WriteCsv(Path.Combine(outDir, "spectrum.csv"),
            ["beta", "images", "median_abs_dominant", "mean_abs_dominant", "mean_largest", "mean_smallest", "spearman_abs_lambda_vs_1_minus_topk", "spearman_abs_lambda_vs_1_minus_spearman",
             "spearman_relative_curvature_vs_1_minus_topk", "spearman_relative_curvature_vs_1_minus_spearman", "attack_beta"],
            result.Spectra.Select(s => new object?[] { s.Beta, n, s.Magnitude.Median(), s.Magnitude.Average(), s.Largest.Average(t => t[0]), s.Smallest.Average(),
                s.RhoTopK, s.RhoSpearman, s.RhoRelativeTopK, s.RhoRelativeSpearman, s.Beta == result.Settings.Beta }));
    }

    /// <summary>Writes <c>spectrum.png</c>: |lambda_max| and the relative curvature against the attack's top-k
    /// intersection at the attack's beta, and the median of the largest eigenvalues per beta.</summary>
    public void WriteFigures(SpectrumResult result, string outDir)
    {
        var at = result.AtAttackBeta;
        var topk = result.Attack.Select(r => r.TopKIntersection).ToArray();
        ScottPlot.Plot Scatter(string title, string xLabel, double[] xs, int colour, string legend)
        {
            var plot = GeometryPlots.New(title, xLabel, "top-k intersection after the top-k attack");
            var points = plot.Add.ScatterPoints(GeometryPlots.Log10(xs), topk, GeometryPlots.Colour(colour));
            points.MarkerSize = 5;
            points.LegendText = legend;
            GeometryPlots.LogAxis(plot.Axes.Bottom);
            plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
            return plot;
        }
        var scatter = Scatter($"Top eigenvalue vs attack (β = {Num(result.Settings.Beta)})", "|λ_max| of the input Hessian of score_y", at.Magnitude, 0,
            $"Spearman ρ(|λ|, 1 − top-k) = {Num(at.RhoTopK, "F2")}");
        var relativePlot = Scatter("Relative curvature vs attack", "|λ_max| / ||∇x score_y||", at.RelativeCurvature, 1, $"Spearman ρ = {Num(at.RhoRelativeTopK, "F2")}");
        var spectrumPlot = GeometryPlots.New("Largest eigenvalues by β (median over images)", "rank of the eigenvalue", "eigenvalue");
        int c = 0;
        foreach (var s in result.Spectra)
        {
            int count = s.Largest.Min(t => t.Length);
            var medians = Enumerable.Range(0, count).Select(j => s.Largest.Select(t => t[j]).Median()).ToArray();
            var line = spectrumPlot.Add.Scatter(Enumerable.Range(1, count).Select(j => (double)j).ToArray(), medians, GeometryPlots.Colour(c++));
            line.LegendText = $"β = {Num(s.Beta)}";
            line.MarkerSize = 7;
        }
        spectrumPlot.ShowLegend(ScottPlot.Alignment.UpperRight);
        GeometryPlots.SaveRow(Path.Combine(outDir, "spectrum.png"), [scatter, relativePlot, spectrumPlot]);
    }

    /// <summary>The headlines in words (the attack, the correlations at its beta, one line per beta) and the headline
    /// numbers (spearman_eigenvalue_fragility, spearman_relative_curvature_fragility, mean_attack_topk).</summary>
    public ExperimentSummary Summarise(SpectrumResult result, string outDir)
    {
        var settings = result.Settings;
        var attack = result.Attack;
        int n = result.Images.Count;
        var at = result.AtAttackBeta;
        var numbers = new Dictionary<string, double>
        {
            ["spearman_eigenvalue_fragility"] = at.RhoTopK,
            ["spearman_relative_curvature_fragility"] = at.RhoRelativeTopK,
            ["mean_attack_topk"] = attack.Average(r => r.TopKIntersection),
        };
        var lines = new List<string>
        {
            $"Top-k attack (ε = {Num(settings.Epsilon)}/255, {settings.Iterations} iterations, β = {Num(settings.Beta)}): mean top-k intersection {Num(attack.Average(r => r.TopKIntersection), "F3")}, label kept {Num(100.0 * attack.Count(r => r.LabelKept) / n, "F1")}% over {n} images.",
            $"Spearman over images, |λ_max| vs 1 − top-k: {Num(at.RhoTopK, "F3")}; vs 1 − Spearman: {Num(at.RhoSpearman, "F3")}; relative curvature |λ_max|/||∇ score|| vs 1 − top-k: {Num(at.RhoRelativeTopK, "F3")}.",
        };
        lines.AddRange(result.Spectra.Select(s => $"β = {Num(s.Beta)}: median |λ_max| {Num(s.Magnitude.Median())}, ρ(|λ|, 1 − top-k) = {Num(s.RhoTopK, "F3")}, ρ(relative curvature, 1 − top-k) = {Num(s.RhoRelativeTopK, "F3")}."));
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
