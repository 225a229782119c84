using Fragility.Reporting;
using ScottPlot;

namespace Fragility.Defences;

/// <summary>
/// The defence figures, drawn with ScottPlot: the frontier of test accuracy against robustness, robustness against
/// faithfulness, and robustness against epsilon. Robustness is the mean top-k intersection after the adaptive top-k
/// attack (1 = the map's most important pixels did not move). One marker per row of the table; colour and marker
/// name the row in the legend on the right.
/// </summary>
public static class DefenceFigures
{
    // Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), as the paper figure.
    private static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
    private static readonly MarkerShape[] Markers =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown, MarkerShape.OpenCircle, MarkerShape.OpenSquare];


    /// <summary>Test accuracy (x) against top-k intersection after the adaptive top-k attack (y); the rows on the
    /// accuracy-robustness frontier (no other row is at least as good on both and better on one) are ringed and joined
    /// by a dashed line.</summary>
    public static void SaveFrontier(IReadOnlyList<DefenceRow> rows, string path, int width = 1100, int height = 560)
    {
        var plot = NewPlot($"Accuracy against robustness (top-k attack, ε = {Eps(rows)}/255)", "test accuracy (%)", "top-k intersection after attack (higher is more robust)");
        AddRows(plot, rows, r => 100 * r.Accuracy, r => r.TopKAfterTopK);
        var frontier = rows.Where(r => Finite(r.Accuracy, r.TopKAfterTopK))
            .Where(r => !rows.Any(o => Finite(o.Accuracy, o.TopKAfterTopK) && o.Accuracy >= r.Accuracy && o.TopKAfterTopK >= r.TopKAfterTopK
                && (o.Accuracy > r.Accuracy || o.TopKAfterTopK > r.TopKAfterTopK)))
            .OrderBy(r => r.Accuracy).ToArray();
        if (frontier.Length > 0)
        {
            // A ring around each frontier row (a frontier of one row has no line to show it).
            var line = plot.Add.Scatter(frontier.Select(r => 100 * r.Accuracy).ToArray(), frontier.Select(r => r.TopKAfterTopK).ToArray(), Color.FromHex("#888888"));
            line.MarkerShape = MarkerShape.OpenCircle;
            line.MarkerSize = 22;
            line.LineWidth = frontier.Length > 1 ? 1.5f : 0;
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = "accuracy-robustness frontier";
        }
        Save(plot, path, width, height);
    }

    /// <summary>Faithfulness (x: insertion AUC minus deletion AUC, higher is more faithful) against top-k intersection
    /// after the adaptive top-k attack (y).</summary>
    public static void SaveFaithfulness(IReadOnlyList<DefenceRow> rows, string path, int width = 1100, int height = 560)
    {
        var plot = NewPlot($"Faithfulness against robustness (ε = {Eps(rows)}/255)", "insertion AUC − deletion AUC (higher is more faithful)",
            "top-k intersection after attack (higher is more robust)");
        AddRows(plot, rows, r => r.InsertionAuc - r.DeletionAuc, r => r.TopKAfterTopK);
        Save(plot, path, width, height);
    }

    /// <summary>Top-k intersection after the adaptive top-k attack against epsilon (0-255 scale), one line per row,
    /// epsilon 0 drawn as the clean point 1.</summary>
    public static void SaveCurve(IReadOnlyList<DefenceRow> rows, string path, int width = 1100, int height = 560)
    {
        var plot = NewPlot("Robustness against the size of the perturbation (top-k attack)", "epsilon (0-255 scale)", "top-k intersection after attack");
        for (int i = 0; i < rows.Count; i++)
        {
            var points = rows[i].TopKCurve.Where(kv => double.IsFinite(kv.Value)).OrderBy(kv => kv.Key).ToArray();
            if (points.Length == 0) continue;
            var s = plot.Add.Scatter(points.Select(p => p.Key).Prepend(0).ToArray(), points.Select(p => p.Value).Prepend(1.0).ToArray(), Colour(i));
            s.MarkerShape = Marker(i);
            s.MarkerSize = 8;
            s.LineWidth = 1.8f;
            s.LegendText = rows[i].Label;
        }
        plot.Axes.SetLimitsY(0, 1.04);
        Save(plot, path, width, height);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        if (PlotFonts.Sans is string font) plot.Font.Set(font);
        plot.Title(title, 16);
        plot.XLabel(x, 13);
        plot.YLabel(y, 13);
        plot.Grid.MajorLineColor = Color.FromHex("#e6e6e6");
        return plot;
    }

    private static void AddRows(Plot plot, IReadOnlyList<DefenceRow> rows, Func<DefenceRow, double> x, Func<DefenceRow, double> y)
    {
        for (int i = 0; i < rows.Count; i++)
        {
            double xi = x(rows[i]), yi = y(rows[i]);
            if (!Finite(xi, yi)) continue;
            var s = plot.Add.Scatter(new[] { xi }, new[] { yi }, Colour(i));
            s.MarkerShape = Marker(i);
            s.MarkerSize = 11;
            s.LineWidth = 0;
            s.LegendText = rows[i].Label;
        }
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        plot.ShowLegend(Edge.Right);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        try { plot.SavePng(path, width, height); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FragilityException($"Cannot write figure '{path}': {e.Message}. Choose a writable output folder.", e);
        }
    }

    // Colour and marker together name a row: 8 colours x 7 markers before a pair repeats.
    private static Color Colour(int i) => Color.FromHex(Palette[i % Palette.Length]);

    private static MarkerShape Marker(int i) => Markers[(i / Palette.Length) % Markers.Length];

    private static string Eps(IReadOnlyList<DefenceRow> rows) => rows.Count == 0 ? "?" : rows[0].Epsilon.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    private static bool Finite(double a, double b) => double.IsFinite(a) && double.IsFinite(b);
}
