using System.Globalization;
using Fragility.Reporting;
using ScottPlot;
using SkiaSharp;

namespace Fragility.Experiments.Geometry;

/// <summary>ScottPlot helpers shared by the geometry figures: a styled plot, log-scaled axes (ScottPlot 5 has none, so
/// values are plotted as log10 with power-of-ten labels), histograms and side-by-side panels on one PNG.</summary>
internal static class GeometryPlots
{
    // Okabe-Ito colours, as the paper figure: distinguishable with the common colour-vision deficiencies.
    public static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

    public static Color Colour(int i) => Color.FromHex(Palette[i % Palette.Length]);


    public static Plot New(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        if (PlotFonts.Sans is string font) plot.Font.Set(font);
        plot.Title(title, 15);
        plot.XLabel(xLabel, 13);
        plot.YLabel(yLabel, 13);
        plot.Grid.MajorLineColor = Color.FromHex("#e6e6e6");
        plot.Axes.Right.FrameLineStyle.Width = 0;
        plot.Axes.Top.FrameLineStyle.Width = 0;
        return plot;
    }

    /// <summary>Labels an axis whose plotted values are log10 of the data with powers of ten.</summary>
    public static void LogAxis(IAxis axis, IReadOnlyList<double>? log10Values = null)
    {
        // Data within about one decade gets no integer-decade tick at all, so ticks fall between decades there.
        var finite = log10Values?.Where(double.IsFinite).ToArray() ?? [];
        bool narrow = finite.Length > 0 && finite.Max() - finite.Min() < 1.5;
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = narrow ? new ScottPlot.TickGenerators.EvenlySpacedMinorTickGenerator(1) : new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = !narrow,
            LabelFormatter = v => Math.Abs(v) >= 4 ? "1e" + v.ToString(narrow ? "0.#" : "0", CultureInfo.InvariantCulture) : Math.Pow(10, v).ToString(narrow ? "G3" : "G4", CultureInfo.InvariantCulture),
        };
    }

    public static double[] Log10(IEnumerable<double> values) => values.Select(v => v > 0 ? Math.Log10(v) : double.NaN).ToArray();

    /// <summary>A histogram of <paramref name="values"/> in bins of <paramref name="width"/> from <paramref name="low"/> to
    /// <paramref name="high"/>, as fractions of the values, drawn as bars.</summary>
    public static void Histogram(Plot plot, IReadOnlyList<double> values, double low, double high, double width, Color colour, string legend)
    {
        int bins = (int)Math.Ceiling((high - low) / width);
        var counts = new double[bins];
        int total = 0;
        foreach (double v in values)
        {
            if (!double.IsFinite(v)) continue;
            int b = Math.Clamp((int)Math.Floor((v - low) / width), 0, bins - 1);
            counts[b]++;
            total++;
        }
        var positions = Enumerable.Range(0, bins).Select(b => low + (b + 0.5) * width).ToArray();
        var fractions = counts.Select(c => total == 0 ? 0 : c / total).ToArray();
        var bars = plot.Add.Bars(positions, fractions);
        foreach (var bar in bars.Bars)
        {
            bar.Size = width * 0.92;
            bar.FillColor = colour.WithAlpha(0.75);
            bar.LineWidth = 0;
        }
        bars.LegendText = legend;
    }

    /// <summary>Renders plots side by side (one row) as one PNG file.</summary>
    public static void SaveRow(string path, IReadOnlyList<Plot> plots, int panelWidth = 460, int panelHeight = 360)
    {
        int w = panelWidth * plots.Count, h = panelHeight;
        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new FragilityException($"Cannot allocate a {w}x{h} figure.");
        surface.Canvas.Clear(SKColors.White);
        for (int i = 0; i < plots.Count; i++)
        {
            // Each panel is rendered on its own surface: Plot.Render clears the whole canvas it is given.
            using var panel = SKSurface.Create(new SKImageInfo(panelWidth, panelHeight, SKColorType.Rgba8888, SKAlphaType.Premul));
            plots[i].Render(panel);
            using var snapshot = panel.Snapshot();
            surface.Canvas.DrawImage(snapshot, i * panelWidth, 0);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        HeatmapRenderer.Save(data.ToArray(), path);
    }
}
