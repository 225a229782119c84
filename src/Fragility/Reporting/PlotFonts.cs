using SkiaSharp;

namespace Fragility.Reporting;

/// <summary>The font family of every figure.</summary>
internal static class PlotFonts
{
    /// <summary>An installed sans-serif family, or null: ScottPlot's default family is often missing on Linux and falls
    /// back to a serif face.</summary>
    public static readonly string? Sans = new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Noto Sans" }
        .FirstOrDefault(f => SKFontManager.Default.GetFontFamilies().Contains(f, StringComparer.OrdinalIgnoreCase));
}
