using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Runtime;
using MathNet.Numerics.Statistics;
using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Dimension scaling on trained networks (finding 5: larger inputs are more fragile): the same architecture trained on
/// the same images resized to several sizes (<see cref="SizedModels"/>), each attacked with the same epsilon (top-k
/// attack and random sign perturbation on the simple-gradient map, k = 10% of the pixels, so the same fraction), and the
/// fragility plotted against the input dimension. Writes <c>dimension.csv</c>, <c>per-image/dimension.csv</c>,
/// <c>dimension.png</c> and <c>section.json</c>.
/// </summary>
public static class DimensionExperiment
{
    /// <summary>Runs the experiment.</summary>
    /// <param name="sizes">Input sizes in pixels (square), e.g. 14, 28, 56.</param>
    /// <param name="modelsDir">Folder of trained models (trained when missing).</param>
    /// <param name="architecture">Registry architecture.</param>
    /// <param name="trainImages">Training images per model.</param>
    /// <param name="epochs">Training epochs per model.</param>
    /// <param name="datasetName">Data set.</param>
    /// <param name="dataDir">Its folder, or null.</param>
    /// <param name="images">Test images attacked per size.</param>
    /// <param name="settings">Attack settings (the same epsilon at every size; k left to the size's default unless set).</param>
    /// <param name="outDir">Output folder.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives training and attack updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static ExperimentSummary Run(IReadOnlyList<int> sizes, string modelsDir, string architecture, int trainImages, int epochs, string datasetName, string? dataDir,
        int images, AttackSettings settings, string outDir, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        if (sizes.Count < 2) throw new FragilityException($"--sizes needs at least two sizes to compare, got {sizes.Count}.");
        var rows = new List<object?[]>();
        var detail = new List<object?[]>();
        var summary = new List<(int Size, double Accuracy, double TopK, double Spearman, double RandomTopK, double RandomSpearman, double Shift, double Kept)>();
        foreach (int size in sizes.Order())
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
                rows.Add([size, size * size, kUsed, Path.GetFileName(path), accuracy, inputs.Count, t.Mean(), t.StandardDeviation(), topk.Average(r => r.Spearman),
                    topk.Average(r => r.CenterShift), topk.Average(r => r.CenterShift) / size, topk.Count(r => r.LabelKept) / (double)topk.Count,
                    random.Average(r => r.TopKIntersection), random.Average(r => r.Spearman)]);
                for (int i = 0; i < inputs.Count; i++)
                    detail.Add([size, inputs.Indices[i], topk[i].TopKIntersection, topk[i].Spearman, topk[i].CenterShift, topk[i].LabelKept, random[i].TopKIntersection, random[i].Spearman]);
                summary.Add((size, accuracy, t.Mean(), topk.Average(r => r.Spearman), random.Average(r => r.TopKIntersection), random.Average(r => r.Spearman),
                    topk.Average(r => r.CenterShift) / size, topk.Count(r => r.LabelKept) / (double)topk.Count));
            }
        }
        WriteCsv(Path.Combine(outDir, "dimension.csv"),
            ["size", "pixels", "k", "model", "test_accuracy", "images", "topk_attack_topk_mean", "topk_attack_topk_std", "topk_attack_spearman", "topk_attack_center_shift_px",
             "topk_attack_center_shift_per_side", "label_kept", "random_topk_mean", "random_spearman"], rows);
        WriteCsv(Path.Combine(outDir, DetailFolder, "dimension.csv"),
            ["size", "image", "topk_attack_topk", "topk_attack_spearman", "topk_attack_center_shift_px", "label_kept", "random_topk", "random_spearman"], detail);

        var xs = GeometryPlots.Log10(summary.Select(r => (double)r.Size * r.Size));
        var topkPlot = GeometryPlots.New($"Top-k intersection vs input size (ε = {Num(settings.Epsilon)}/255)", "input dimension (pixels)", "mean top-k intersection (k = 10% of pixels)");
        var spearmanPlot = GeometryPlots.New("Spearman correlation vs input size", "input dimension (pixels)", "mean Spearman rank correlation");
        void Line(ScottPlot.Plot plot, double[] ys, int colour, string legend, bool dashed)
        {
            var line = plot.Add.Scatter(xs, ys, GeometryPlots.Colour(colour));
            line.LegendText = legend;
            line.MarkerSize = 9;
            line.LineWidth = 2;
            if (dashed) line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        Line(topkPlot, summary.Select(r => r.TopK).ToArray(), 1, "top-k attack", false);
        Line(topkPlot, summary.Select(r => r.RandomTopK).ToArray(), 0, "random sign", true);
        Line(spearmanPlot, summary.Select(r => r.Spearman).ToArray(), 1, "top-k attack", false);
        Line(spearmanPlot, summary.Select(r => r.RandomSpearman).ToArray(), 0, "random sign", true);
        foreach (var plot in new[] { topkPlot, spearmanPlot })
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, summary.Select(r => $"{r.Size}x{r.Size}\n({r.Size * r.Size})").ToArray());
            plot.Axes.SetLimitsY(0, 1.05);
            plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        }
        GeometryPlots.SaveRow(Path.Combine(outDir, "dimension.png"), [topkPlot, spearmanPlot]);

        var lines = summary.Select(r => $"{r.Size}x{r.Size} (test accuracy {Num(100 * r.Accuracy, "F1")}%): top-k attack leaves top-k {Num(r.TopK, "F3")}, Spearman {Num(r.Spearman, "F3")} (label kept {Num(100 * r.Kept, "F0")}%); random sign {Num(r.RandomTopK, "F3")}, {Num(r.RandomSpearman, "F3")}.").ToList();
        double rho = Correlation.Spearman(summary.Select(r => (double)r.Size), summary.Select(r => r.TopK));
        // A step counts as a fall only when it exceeds two standard errors of the difference of the two means.
        var errors = rows.Select(r => (double)r[7]! / Math.Sqrt((int)r[5]!)).ToArray();
        var steps = summary.Zip(summary.Skip(1), (a, b) => (a, b)).Select((p, i) =>
            $"{p.a.Size}→{p.b.Size}: {Num(p.a.TopK, "F3")} → {Num(p.b.TopK, "F3")}" +
            (p.a.TopK - p.b.TopK > 2 * Math.Sqrt(errors[i] * errors[i] + errors[i + 1] * errors[i + 1]) ? " (a clear fall)" : " (within two standard errors)")).ToList();
        bool monotone = summary.Zip(summary.Skip(1), (a, b) => b.TopK < a.TopK).All(x => x);
        lines.Add($"Top-k intersection after the top-k attack by step: {string.Join("; ", steps)}; Spearman of size vs top-k {Num(rho, "F2")}.");
        var numbers = summary.ToDictionary(r => $"topk_{r.Size}", r => r.TopK);
        numbers["monotone"] = monotone ? 1 : 0;
        WriteSection(outDir, "Geometry: fragility against input size (trained networks)",
            $"{architecture} trained on {datasetName} resized to {string.Join(", ", summary.Select(r => $"{r.Size}x{r.Size}"))} ({trainImages} training images, {epochs} epoch(s), seed {settings.Seed}); " +
            $"{images} correctly classified test images per size attacked with the same ε = {Num(settings.Epsilon)}/255 ({settings.Iterations} top-k iterations, β = {Num(settings.Beta)}), k = 10% of the pixels. " + string.Join(" ", lines),
            new Dictionary<string, string>
            {
                ["dimension.png"] = "Mean top-k intersection and Spearman correlation of the simple-gradient map after the top-k attack and after random sign noise, against the input size.",
                ["dimension.csv"] = "Per input size: model, accuracy, k and fragility.",
            });
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
