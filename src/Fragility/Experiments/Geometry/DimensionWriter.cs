using MathNet.Numerics.Statistics;
using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>Writes a <see cref="DimensionResult"/> (through <see cref="GeometryFiles.Write"/>): <c>dimension.csv</c>,
/// <c>per-image/dimension.csv</c>, <c>dimension.png</c> and the section with its summary in words.</summary>
public sealed class DimensionWriter : IGeometryStudyWriter<DimensionResult>
{
    /// <inheritdoc />
    public string Title => "Geometry: fragility against input size (trained networks)";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Captions { get; } = new Dictionary<string, string>
    {
        ["dimension.png"] = "Mean top-k intersection and Spearman correlation of the simple-gradient map after the top-k attack and after random sign noise, against the input size.",
        ["dimension.csv"] = "Per input size: model, accuracy, k and fragility.",
    };

    /// <inheritdoc />
    public string Description(DimensionResult result, ExperimentSummary summary) =>
        $"{result.Architecture} trained on {result.Dataset} resized to {string.Join(", ", result.Rows.Select(r => $"{r.Size}x{r.Size}"))} ({result.TrainImages} training images, {result.Epochs} epoch(s), seed {result.Settings.Seed}); " +
        $"{result.Images} correctly classified test images per size attacked with the same ε = {Num(result.Settings.Epsilon)}/255 ({result.Settings.Iterations} top-k iterations, β = {Num(result.Settings.Beta)}), k = 10% of the pixels. " + string.Join(" ", summary.Headlines);

    /// <summary>Writes <c>dimension.csv</c> (one row per size) and <c>per-image/dimension.csv</c> (per size and image).</summary>
    public void WriteTables(DimensionResult result, string outDir)
    {
        WriteCsv(Path.Combine(outDir, "dimension.csv"),
            ["size", "pixels", "k", "model", "test_accuracy", "images", "topk_attack_topk_mean", "topk_attack_topk_std", "topk_attack_spearman", "topk_attack_center_shift_px",
             "topk_attack_center_shift_per_side", "label_kept", "random_topk_mean", "random_spearman"],
            result.Rows.Select(r => new object?[] { r.Size, r.Pixels, r.K, r.Model, r.TestAccuracy, r.Images, r.TopKMean, r.TopKStandardDeviation, r.Spearman,
                r.CenterShift, r.CenterShiftPerSide, r.LabelKept, r.RandomTopK, r.RandomSpearman }));
        WriteCsv(Path.Combine(outDir, DetailFolder, "dimension.csv"),
            ["size", "image", "topk_attack_topk", "topk_attack_spearman", "topk_attack_center_shift_px", "label_kept", "random_topk", "random_spearman"],
            result.Details.Select(d => new object?[] { d.Size, d.Image, d.TopK, d.Spearman, d.CenterShift, d.LabelKept, d.RandomTopK, d.RandomSpearman }));
    }

    /// <summary>Writes <c>dimension.png</c>: mean top-k intersection and Spearman correlation against the input size, after
    /// the top-k attack and after random sign noise.</summary>
    public void WriteFigures(DimensionResult result, string outDir)
    {
        var rows = result.Rows;
        var xs = GeometryPlots.Log10(rows.Select(r => (double)r.Size * r.Size));
        var topkPlot = GeometryPlots.New($"Top-k intersection vs input size (ε = {Num(result.Settings.Epsilon)}/255)", "input dimension (pixels)", "mean top-k intersection (k = 10% of pixels)");
        var spearmanPlot = GeometryPlots.New("Spearman correlation vs input size", "input dimension (pixels)", "mean Spearman rank correlation");
        void Line(ScottPlot.Plot plot, double[] ys, int colour, string legend, bool dashed)
        {
            var line = plot.Add.Scatter(xs, ys, GeometryPlots.Colour(colour));
            line.LegendText = legend;
            line.MarkerSize = 9;
            line.LineWidth = 2;
            if (dashed) line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        Line(topkPlot, rows.Select(r => r.TopKMean).ToArray(), 1, "top-k attack", false);
        Line(topkPlot, rows.Select(r => r.RandomTopK).ToArray(), 0, "random sign", true);
        Line(spearmanPlot, rows.Select(r => r.Spearman).ToArray(), 1, "top-k attack", false);
        Line(spearmanPlot, rows.Select(r => r.RandomSpearman).ToArray(), 0, "random sign", true);
        foreach (var plot in new[] { topkPlot, spearmanPlot })
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, rows.Select(r => $"{r.Size}x{r.Size}\n({r.Size * r.Size})").ToArray());
            plot.Axes.SetLimitsY(0, 1.05);
            plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        }
        GeometryPlots.SaveRow(Path.Combine(outDir, "dimension.png"), [topkPlot, spearmanPlot]);
    }

    /// <summary>One headline per size, then the steps between sizes (a clear fall or within two standard errors) with the
    /// Spearman correlation of size and top-k; the numbers topk_SIZE and monotone.</summary>
    public ExperimentSummary Summarise(DimensionResult result, string outDir)
    {
        var rows = result.Rows;
        var lines = rows.Select(r => $"{r.Size}x{r.Size} (test accuracy {Num(100 * r.TestAccuracy, "F1")}%): top-k attack leaves top-k {Num(r.TopKMean, "F3")}, Spearman {Num(r.Spearman, "F3")} (label kept {Num(100 * r.LabelKept, "F0")}%); random sign {Num(r.RandomTopK, "F3")}, {Num(r.RandomSpearman, "F3")}.").ToList();
        double rho = Correlation.Spearman(rows.Select(r => (double)r.Size), rows.Select(r => r.TopKMean));
        // A step counts as a fall only when it exceeds two standard errors of the difference of the two means.
        var errors = rows.Select(r => r.TopKStandardDeviation / Math.Sqrt(r.Images)).ToArray();
        var steps = rows.Zip(rows.Skip(1), (a, b) => (a, b)).Select((p, i) =>
            $"{p.a.Size}→{p.b.Size}: {Num(p.a.TopKMean, "F3")} → {Num(p.b.TopKMean, "F3")}" +
            (p.a.TopKMean - p.b.TopKMean > 2 * Math.Sqrt(errors[i] * errors[i] + errors[i + 1] * errors[i + 1]) ? " (a clear fall)" : " (within two standard errors)")).ToList();
        bool monotone = rows.Zip(rows.Skip(1), (a, b) => b.TopKMean < a.TopKMean).All(x => x);
        lines.Add($"Top-k intersection after the top-k attack by step: {string.Join("; ", steps)}; Spearman of size vs top-k {Num(rho, "F2")}.");
        var numbers = rows.ToDictionary(r => $"topk_{r.Size}", r => r.TopKMean);
        numbers["monotone"] = monotone ? 1 : 0;
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
