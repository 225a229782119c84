using ScottPlot;
using SkiaSharp;

namespace Fragility.Reporting;

/// <summary>
/// The paper's summary figure (Ghorbani et al. 2019, Fig. 3/4 style) from a <see cref="SweepSummary"/>: three rows
/// (top-k intersection, Spearman rank-order correlation, centre-of-mass shift in pixels) against epsilon on the 0-255
/// scale, one column per explanation method, one line per attack with markers and a shaded band showing the 95 % confidence
/// interval of the mean over inputs (Student t, see <see cref="MeanInterval"/>), and one legend shared by all panels. Epsilon 0 is drawn as the clean point (intersection 1,
/// correlation 1, shift 0). Rendered with ScottPlot into panels composed on one SkiaSharp canvas.
/// </summary>
public static class PaperFigure
{
    // Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
    private static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];
    private static readonly MarkerShape[] Markers =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown];

    private const int PanelWidth = 380, PanelHeight = 270, TitleHeight = 56, LegendHeight = 56, Margin = 16;

    /// <summary>
    /// Width in pixels of the figure for a number of methods: panels of 380 px plus margins, and at least 760 px so
    /// that the title and the legend of a one-method figure fit.
    /// </summary>
    public static int DefaultWidth(int methods) => Math.Max(MinWidth, 2 * Margin + Math.Max(1, methods) * PanelWidth);

    private const int MinWidth = 760;

    /// <summary>Height in pixels of the figure (three panel rows, a title and a legend strip).</summary>
    public static int DefaultHeight => TitleHeight + 3 * PanelHeight + LegendHeight + Margin;

    /// <summary>
    /// Renders the figure as PNG bytes; <paramref name="width"/> and <paramref name="height"/> default to
    /// <see cref="DefaultWidth"/> and <see cref="DefaultHeight"/>; <paramref name="title"/> is drawn above the panels
    /// (its font shrinks to fit the width); <paramref name="showBands"/> draws the 95 % confidence bands of the means.
    /// </summary>
    /// <exception cref="FragilityException">The summary has no rows.</exception>
    public static byte[] Render(SweepSummary summary, string? title = null, int? width = null, int? height = null, bool showBands = true)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.Rows.Count == 0)
            throw new FragilityException("The sweep has no results yet, so there is nothing to plot. Let the sweep run (or resume it) first.");
        int columns = summary.Methods.Count;
        int w = width ?? DefaultWidth(columns), h = height ?? DefaultHeight;
        float panelW = (w - 2f * Margin) / columns, panelH = (h - TitleHeight - LegendHeight - Margin) / 3f;

        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new FragilityException($"Cannot allocate a {w}x{h} figure. Choose a smaller size.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        using var typeface = SKTypeface.FromFamilyName(PlotFonts.Sans, SKFontStyle.Bold) ?? SKTypeface.Default;
        using var titleFont = new SKFont(typeface, 20);
        using var textPaint = new SKPaint { Color = new SKColor(0x22, 0x22, 0x22), IsAntialias = true };
        string titleText = title ?? "Fragility of explanations";
        FitFont(titleFont, titleText, w - 2f * Margin);
        canvas.DrawText(titleText, w / 2f, 34, SKTextAlign.Center, titleFont, textPaint);

        string[] metricLabels = ["Top-k intersection", "Spearman rank correlation", "Centre-of-mass shift (pixels)"];
        double shiftTop = Math.Max(1e-9, summary.Rows.Max(r => Finite(r.CenterShiftMean) + (showBands ? Finite(r.CenterShiftCi) : 0)));
        double spearmanBottom = Math.Min(0, summary.Rows.Min(r => Finite(r.SpearmanMean, 1) - (showBands ? Finite(r.SpearmanCi) : 0)));
        double[] ticks = [0, .. summary.Epsilons.Where(e => e > 0)];

        int pw = (int)Math.Floor(panelW), ph = (int)Math.Floor(panelH);
        for (int row = 0; row < 3; row++)
        {
            for (int col = 0; col < columns; col++)
            {
                string method = summary.Methods[col];
                var plot = new Plot();
                if (PlotFonts.Sans is string font) plot.Font.Set(font);
                plot.Layout.Fixed(new PixelPadding(68, 14, row == 2 ? 48 : 26, row == 0 ? 40 : 10));
                if (row == 0) plot.Title(DisplayNames.Method(method), 16);
                if (col == 0) plot.YLabel(metricLabels[row], 14);
                if (row == 2) plot.XLabel("epsilon (0-255 scale)", 14);
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                    ticks, ticks.Select(t => t.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)).ToArray());

                for (int a = 0; a < summary.Attacks.Count; a++)
                {
                    string attack = summary.Attacks[a];
                    var points = new List<(double X, double Y, double S)> { (0, row == 2 ? 0 : 1, 0) };
                    foreach (double eps in summary.Epsilons.Where(e => e > 0))
                    {
                        var r = summary.Find(method, attack, eps);
                        if (r is null) continue;
                        var (mean, std) = row switch
                        {
                            0 => (r.TopkIntersectionMean, r.TopkIntersectionCi),
                            1 => (r.SpearmanMean, r.SpearmanCi),
                            _ => (r.CenterShiftMean, r.CenterShiftCi),
                        };
                        if (double.IsFinite(mean)) points.Add((eps, mean, double.IsFinite(std) ? std : 0));
                    }
                    if (points.Count < 2) continue;
                    var colour = Color.FromHex(Palette[a % Palette.Length]);
                    if (showBands && points.Any(p => p.S > 0))
                    {
                        var band = plot.Add.FillY(points.Select(p => p.X).ToArray(),
                            points.Select(p => p.Y - p.S).ToArray(), points.Select(p => p.Y + p.S).ToArray());
                        band.FillColor = colour.WithAlpha(0.13);
                        band.LineWidth = 0;
                    }
                    var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), colour);
                    line.LineWidth = 2.2f;
                    line.MarkerSize = 8;
                    line.MarkerShape = Markers[a % Markers.Length];
                    if (IsBaseline(attack)) line.LinePattern = LinePattern.Dashed;
                }

                double top = row == 2 ? shiftTop * 1.12 : 1.04;
                double bottom = row switch { 0 => 0, 1 => spearmanBottom - 0.04, _ => 0 };
                plot.Axes.SetLimits(-0.03 * ticks[^1] - 0.05, ticks[^1] * 1.03 + 0.05, bottom, top);
                plot.Grid.MajorLineColor = Color.FromHex("#e6e6e6");
                plot.Axes.Right.FrameLineStyle.Width = 0;
                plot.Axes.Top.FrameLineStyle.Width = 0;
                plot.HideLegend();

                // Each panel is rendered on its own surface: Plot.Render clears the whole canvas it is given.
                using var panel = SKSurface.Create(new SKImageInfo(pw, ph, SKColorType.Rgba8888, SKAlphaType.Premul));
                plot.Render(panel);
                using var snapshot = panel.Snapshot();
                canvas.DrawImage(snapshot, Margin + col * panelW, TitleHeight + row * panelH);
            }
        }

        DrawLegend(canvas, summary.Attacks, w, h - LegendHeight - Margin / 2f);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Renders the figure (see <see cref="Render"/>) and writes it as a PNG file, creating its folder.</summary>
    /// <exception cref="FragilityException">The summary has no rows, or the file cannot be written.</exception>
    public static void Save(SweepSummary summary, string path, string? title = null, int? width = null, int? height = null, bool showBands = true) =>
        HeatmapRenderer.Save(Render(summary, title, width, height, showBands), path);

    /// <summary>One legend for all panels (they share attacks, colours and markers), centred below the grid.</summary>
    private static void DrawLegend(SKCanvas canvas, IReadOnlyList<string> attacks, int width, float top)
    {
        using var typeface = SKTypeface.FromFamilyName(PlotFonts.Sans) ?? SKTypeface.Default;
        using var font = new SKFont(typeface, 15);
        using var text = new SKPaint { Color = new SKColor(0x22, 0x22, 0x22), IsAntialias = true };
        const float swatch = 34, gap = 10, spacing = 30;
        var labels = attacks.Select(DisplayNames.Attack).ToArray();
        float Total() => labels.Sum(l => swatch + gap + font.MeasureText(l)) + spacing * (labels.Length - 1);
        // Many attacks on a narrow figure: a smaller font rather than a legend cut at the edges.
        while (Total() > width - 2f * Margin && font.Size > 8) font.Size -= 1;
        float total = Total();
        float x = (width - total) / 2f, y = top + LegendHeight / 2f;
        for (int a = 0; a < labels.Length; a++)
        {
            var colour = SKColor.Parse(Palette[a % Palette.Length]);
            using var line = new SKPaint { Color = colour, StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
            if (IsBaseline(attacks[a])) line.PathEffect = SKPathEffect.CreateDash([7, 4], 0);
            canvas.DrawLine(x, y, x + swatch, y, line);
            using var fill = new SKPaint { Color = colour, IsAntialias = true, Style = SKPaintStyle.Fill };
            DrawMarker(canvas, Markers[a % Markers.Length], x + swatch / 2, y, 5f, fill);
            canvas.DrawText(labels[a], x + swatch + gap, y + font.Size * 0.35f, SKTextAlign.Left, font, text);
            x += swatch + gap + font.MeasureText(labels[a]) + spacing;
        }
    }

    private static void DrawMarker(SKCanvas canvas, MarkerShape shape, float x, float y, float r, SKPaint paint)
    {
        using var path = new SKPath();
        switch (shape)
        {
            case MarkerShape.FilledSquare: canvas.DrawRect(x - r, y - r, 2 * r, 2 * r, paint); return;
            case MarkerShape.FilledTriangleUp: path.MoveTo(x, y - r * 1.2f); path.LineTo(x + r * 1.1f, y + r * 0.8f); path.LineTo(x - r * 1.1f, y + r * 0.8f); break;
            case MarkerShape.FilledTriangleDown: path.MoveTo(x, y + r * 1.2f); path.LineTo(x + r * 1.1f, y - r * 0.8f); path.LineTo(x - r * 1.1f, y - r * 0.8f); break;
            case MarkerShape.FilledDiamond: path.MoveTo(x, y - r * 1.3f); path.LineTo(x + r * 1.3f, y); path.LineTo(x, y + r * 1.3f); path.LineTo(x - r * 1.3f, y); break;
            default: canvas.DrawCircle(x, y, r, paint); return;
        }
        path.Close();
        canvas.DrawPath(path, paint);
    }


    /// <summary>Shrinks the font until the text fits the width (not below 9 px).</summary>
    private static void FitFont(SKFont font, string text, float width)
    {
        while (font.MeasureText(text) > width && font.Size > 9) font.Size -= 1;
    }

    private static bool IsBaseline(string attack) => attack.StartsWith("random", StringComparison.OrdinalIgnoreCase);

    private static double Finite(double v, double fallback = 0) => double.IsFinite(v) ? v : fallback;
}
