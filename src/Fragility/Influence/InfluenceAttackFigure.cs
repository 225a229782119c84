using ScottPlot;

namespace Fragility.Influence;

/// <summary>
/// The figure of an influence attack run (ScottPlot): Spearman correlation of the influence vectors and the number of
/// the original top-k helpful points kept, each against epsilon (0-255 units), one line per attack (mean, with sample
/// standard deviation as error bars); the random-sign baseline is dashed grey.
/// </summary>
public static class InfluenceAttackFigure
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "influence-attack.png";

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    /// <summary>Renders the figure as PNG bytes (<paramref name="width"/> x <paramref name="height"/> pixels).</summary>
    public static byte[] Render(IReadOnlyList<InfluenceSummaryRow> rows, string? title = null, int width = 1100, int height = 440)
    {
        if (rows.Count == 0) throw new ArgumentException("no summary rows to plot", nameof(rows));
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var spearman = multiplot.GetPlot(0);
        var kept = multiplot.GetPlot(1);
        var attacks = rows.Select(r => r.Attack).Distinct().ToList();
        int colour = 0;
        foreach (var attack in attacks)
        {
            var rs = rows.Where(r => r.Attack == attack).OrderBy(r => r.Epsilon).ToList();
            double[] eps = rs.Select(r => r.Epsilon).ToArray();
            bool random = attack == "random";
            var c = random ? Color.FromHex("#7f7f7f") : Color.FromHex(Palette[colour++ % Palette.Length]);
            Add(spearman, eps, rs.Select(r => r.SpearmanMean).ToArray(), rs.Select(r => r.SpearmanStd).ToArray(), attack, c, random);
            Add(kept, eps, rs.Select(r => r.TopKeptMean).ToArray(), rs.Select(r => r.TopKeptStd).ToArray(), attack, c, random);
        }
        int k = rows[0].K;
        spearman.Title(title is null ? "Rank correlation of influence vectors" : title + ": rank correlation");
        spearman.XLabel("epsilon (0-255 scale)");
        spearman.YLabel("Spearman (before vs after)");
        spearman.Axes.SetLimitsY(Math.Min(0, rows.Min(r => r.SpearmanMean - (double.IsFinite(r.SpearmanStd) ? r.SpearmanStd : 0))) - 0.05, 1.05);
        kept.Title($"Top-{k} helpful training points kept");
        kept.XLabel("epsilon (0-255 scale)");
        kept.YLabel($"original top-{k} still in top {k}");
        kept.Axes.SetLimitsY(-0.2, k + 0.2);
        foreach (var p in new[] { spearman, kept })
        {
            double lo = rows.Min(r => r.Epsilon), hi = rows.Max(r => r.Epsilon);
            p.Axes.SetLimitsX(lo - 0.05 * (hi - lo + 1), hi + 0.05 * (hi - lo + 1));
            p.ShowLegend(Alignment.LowerLeft);
        }
        using var image = multiplot.Render(width, height);
        return image.GetImageBytes(ImageFormat.Png);
    }

    /// <summary>Renders and writes the figure.</summary>
    public static void Save(IReadOnlyList<InfluenceSummaryRow> rows, string path, string? title = null, int width = 1100, int height = 440) =>
        File.WriteAllBytes(path, Render(rows, title, width, height));

    private static void Add(Plot plot, double[] x, double[] y, double[] std, string label, Color colour, bool dashed)
    {
        var line = plot.Add.Scatter(x, y);
        line.LegendText = label;
        line.Color = colour;
        line.LineWidth = 2;
        line.MarkerSize = 7;
        if (dashed) line.LinePattern = LinePattern.Dashed;
        var finite = std.Select(s => double.IsFinite(s) ? s : 0).ToArray();
        if (finite.Any(s => s > 0))
        {
            var bars = plot.Add.ErrorBar(x, y, finite);
            bars.Color = colour;
        }
    }
}
