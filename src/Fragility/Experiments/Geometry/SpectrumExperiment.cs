using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Experiments;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Runtime;
using MathNet.Numerics.Statistics;
using TorchSharp;
using static Fragility.Experiments.Geometry.GeometryFiles;
using static TorchSharp.torch;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// The input-Hessian spectrum and its relation to fragility: per image and per softplus beta, the largest eigenvalues of
/// <c>d^2 score_y / dx^2</c> by Lanczos on Hessian-vector products; then the top-k attack on the simple-gradient map
/// (gradient on the twin with the attack's beta), and over images the Spearman correlation between the dominant
/// eigenvalue |lambda| (and the relative curvature |lambda| / ||grad score_y||, the quantity that sets the map's relative
/// change, docs/method.md §6) and how far the attack moved the map (1 - top-k intersection, 1 - Spearman). Writes
/// <c>spectrum.csv</c> (per beta: eigenvalue statistics and correlations), <c>per-image/spectrum.csv</c>,
/// <c>spectrum.png</c> and <c>section.json</c>.
/// </summary>
public static class SpectrumExperiment
{
    /// <summary>Runs the experiment.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="inputs">Images.</param>
    /// <param name="betas">Softplus betas of the twin whose spectra are measured (the attack's beta, from
    /// <paramref name="settings"/>, is added when missing).</param>
    /// <param name="settings">The top-k attack's settings.</param>
    /// <param name="outDir">Output folder.</param>
    /// <param name="modelName">Model name for the texts.</param>
    /// <param name="lanczosSteps">Lanczos steps per image.</param>
    /// <param name="eigenvalues">How many of the largest eigenvalues to keep per image.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives "spectrum" and "attack" updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static ExperimentSummary Run(Classifier model, SelectedInputs inputs, IReadOnlyList<double> betas, AttackSettings settings, string outDir,
        string modelName, int lanczosSteps = 30, int eigenvalues = 5, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        var allBetas = betas.Append(settings.Beta).Distinct().Order().ToArray();
        var images = inputs.Images.Images;
        int n = inputs.Count;
        var spectra = new Dictionary<double, (double[][] Top, double[] Dominant, double[] Bottom, double[] GradNorm)>();
        int done = 0, total = n * allBetas.Length;
        foreach (double beta in allBetas)
        {
            var top = new double[n][]; var dominant = new double[n]; var bottom = new double[n]; var gradNorm = new double[n];
            using var generator = new torch.Generator((ulong)settings.Seed, torch.CPU);
            for (int start = 0; start < n; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, n - start);
                using var scope = torch.NewDisposeScope();
                var x = images.narrow(0, start, count);
                long[] labels;
                using (model.UseRelu()) labels = model.Predict(x).Labels;
                using var target = torch.tensor(labels, dtype: ScalarType.Int64);
                using (model.UseSoftplus(beta))
                using (var hessian = new InputHessian(model, x, target))
                {
                    var g = hessian.Gradient.flatten(1);
                    var norms = g.to(ScalarType.Float64).norm(1).cpu().data<double>().ToArray();
                    using var result = Lanczos.Run(hessian, torch.randn(g.shape, dtype: ScalarType.Float64, device: torch.CPU, generator: generator).to(g.dtype, g.device), lanczosSteps, eigenvalues);
                    for (int i = 0; i < count; i++)
                    {
                        top[start + i] = result.Largest[i];
                        dominant[start + i] = result.Dominant[i];
                        bottom[start + i] = result.Smallest[i];
                        gradNorm[start + i] = norms[i];
                    }
                }
                done += count;
                progress?.Report(new ProgressUpdate("spectrum", done, total, $"beta {Num(beta)}"));
            }
            spectra[beta] = (top, dominant, bottom, gradNorm);
        }
        var attack = MapFragility.Measure(model, images, AttackNames.TopK, new SimpleGradient(), settings, batchSize, progress, 0, cancellation);
        var moved = attack.Select(r => 1 - r.TopKIntersection).ToArray();
        var decorrelated = attack.Select(r => 1 - r.Spearman).ToArray();

        WriteCsv(Path.Combine(outDir, DetailFolder, "spectrum.csv"),
            ["image", "beta", "dominant_eigenvalue", "largest_eigenvalue", "smallest_eigenvalue", "score_gradient_norm", "relative_curvature", "top_eigenvalues", "attack_topk_intersection", "attack_spearman", "attack_label_kept"],
            allBetas.SelectMany(beta => Enumerable.Range(0, n).Select(i => new object?[]
            {
                inputs.Indices[i], beta, spectra[beta].Dominant[i], spectra[beta].Top[i][0], spectra[beta].Bottom[i], spectra[beta].GradNorm[i],
                Math.Abs(spectra[beta].Dominant[i]) / spectra[beta].GradNorm[i], string.Join(" ", spectra[beta].Top[i].Select(v => Field(v))),
                attack[i].TopKIntersection, attack[i].Spearman, attack[i].LabelKept,
            })));
        var rows = allBetas.Select(beta =>
        {
            var magnitude = spectra[beta].Dominant.Select(Math.Abs).ToArray();
            var relative = magnitude.Zip(spectra[beta].GradNorm, (l, g) => g > 0 ? l / g : double.NaN).ToArray();
            return (Beta: beta, Magnitude: magnitude, Relative: relative,
                RhoTopk: SafeSpearman(magnitude, moved), RhoSpearman: SafeSpearman(magnitude, decorrelated),
                RhoRelTopk: SafeSpearman(relative, moved), RhoRelSpearman: SafeSpearman(relative, decorrelated));
        }).ToList();
        WriteCsv(Path.Combine(outDir, "spectrum.csv"),
            ["beta", "images", "median_abs_dominant", "mean_abs_dominant", "mean_largest", "mean_smallest", "spearman_abs_lambda_vs_1_minus_topk", "spearman_abs_lambda_vs_1_minus_spearman",
             "spearman_relative_curvature_vs_1_minus_topk", "spearman_relative_curvature_vs_1_minus_spearman", "attack_beta"],
            rows.Select(r => new object?[] { r.Beta, n, r.Magnitude.Median(), r.Magnitude.Average(), spectra[r.Beta].Top.Average(t => t[0]), spectra[r.Beta].Bottom.Average(),
                r.RhoTopk, r.RhoSpearman, r.RhoRelTopk, r.RhoRelSpearman, r.Beta == settings.Beta }));

        var at = rows.Single(r => r.Beta == settings.Beta);
        var scatter = GeometryPlots.New($"Top eigenvalue vs attack (β = {Num(settings.Beta)})", "|λ_max| of the input Hessian of score_y", "top-k intersection after the top-k attack");
        var points = scatter.Add.ScatterPoints(GeometryPlots.Log10(at.Magnitude), attack.Select(r => r.TopKIntersection).ToArray(), GeometryPlots.Colour(0));
        points.MarkerSize = 5;
        points.LegendText = $"Spearman ρ(|λ|, 1 − top-k) = {Num(at.RhoTopk, "F2")}";
        GeometryPlots.LogAxis(scatter.Axes.Bottom);
        scatter.ShowLegend(ScottPlot.Alignment.LowerLeft);
        var relativePlot = GeometryPlots.New("Relative curvature vs attack", "|λ_max| / ||∇x score_y||", "top-k intersection after the top-k attack");
        var rel = relativePlot.Add.ScatterPoints(GeometryPlots.Log10(at.Relative), attack.Select(r => r.TopKIntersection).ToArray(), GeometryPlots.Colour(1));
        rel.MarkerSize = 5;
        rel.LegendText = $"Spearman ρ = {Num(at.RhoRelTopk, "F2")}";
        GeometryPlots.LogAxis(relativePlot.Axes.Bottom);
        relativePlot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        var spectrumPlot = GeometryPlots.New("Largest eigenvalues by β (median over images)", "rank of the eigenvalue", "eigenvalue");
        int c = 0;
        foreach (double beta in allBetas)
        {
            int count = spectra[beta].Top.Min(t => t.Length);
            var medians = Enumerable.Range(0, count).Select(j => spectra[beta].Top.Select(t => t[j]).Median()).ToArray();
            var line = spectrumPlot.Add.Scatter(Enumerable.Range(1, count).Select(j => (double)j).ToArray(), medians, GeometryPlots.Colour(c++));
            line.LegendText = $"β = {Num(beta)}";
            line.MarkerSize = 7;
        }
        spectrumPlot.ShowLegend(ScottPlot.Alignment.UpperRight);
        GeometryPlots.SaveRow(Path.Combine(outDir, "spectrum.png"), [scatter, relativePlot, spectrumPlot]);

        var numbers = new Dictionary<string, double>
        {
            ["spearman_eigenvalue_fragility"] = at.RhoTopk,
            ["spearman_relative_curvature_fragility"] = at.RhoRelTopk,
            ["mean_attack_topk"] = attack.Average(r => r.TopKIntersection),
        };
        var lines = new List<string>
        {
            $"Top-k attack (ε = {Num(settings.Epsilon)}/255, {settings.Iterations} iterations, β = {Num(settings.Beta)}): mean top-k intersection {Num(attack.Average(r => r.TopKIntersection), "F3")}, label kept {Num(100.0 * attack.Count(r => r.LabelKept) / n, "F1")}% over {n} images.",
            $"Spearman over images, |λ_max| vs 1 − top-k: {Num(at.RhoTopk, "F3")}; vs 1 − Spearman: {Num(at.RhoSpearman, "F3")}; relative curvature |λ_max|/||∇ score|| vs 1 − top-k: {Num(at.RhoRelTopk, "F3")}.",
        };
        lines.AddRange(rows.Select(r => $"β = {Num(r.Beta)}: median |λ_max| {Num(r.Magnitude.Median())}, ρ(|λ|, 1 − top-k) = {Num(r.RhoTopk, "F3")}, ρ(relative curvature, 1 − top-k) = {Num(r.RhoRelTopk, "F3")}."));
        WriteSection(outDir, "Geometry: input-Hessian spectrum and fragility",
            $"Model {modelName}, {n} test images. Eigenvalues of the Hessian of score_y with respect to the input on the softplus twin at β ∈ {{{string.Join(", ", allBetas.Select(b => Num(b)))}}}, " +
            $"by {lanczosSteps} Lanczos steps on Hessian-vector products (double backward; no dense Hessian). " + string.Join(" ", lines),
            new Dictionary<string, string>
            {
                ["spectrum.png"] = "Left: per image, the dominant eigenvalue against the top-k intersection left by the top-k attack. Middle: the same against the relative curvature. Right: median of the largest eigenvalues per β.",
                ["spectrum.csv"] = "Eigenvalue statistics and Spearman correlations over images, per β.",
            });
        return new ExperimentSummary(outDir, lines, numbers);
    }

    private static double SafeSpearman(double[] a, double[] b)
    {
        var pairs = a.Zip(b).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
        if (pairs.Length < 3) return double.NaN;
        return Correlation.Spearman(pairs.Select(p => p.First), pairs.Select(p => p.Second));
    }
}
