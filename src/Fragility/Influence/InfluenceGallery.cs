using SkiaSharp;

namespace Fragility.Influence;

/// <summary>
/// Renders exemplar explanations as a PNG with SkiaSharp: one row per test point, the test image first, then its most
/// helpful training images (green) and most harmful ones (red), each enlarged by nearest neighbour with its caption
/// (training index, class, influence value).
/// </summary>
public static class InfluenceGallery
{
    /// <summary>Gap between tiles in output pixels.</summary>
    public const int Gap = 8;

    /// <summary>Height of the two caption lines in output pixels.</summary>
    public const int CaptionHeight = 30;

    /// <summary>Height of a row label (title above a row) in output pixels.</summary>
    public const int LabelHeight = 20;

    /// <summary>Narrowest tile column in output pixels (room for the captions).</summary>
    public const int MinTileWidth = 104;

    /// <summary>
    /// Renders rows of tiles; every tile is enlarged <paramref name="scale"/> times (nearest neighbour, so pixels stay
    /// exact). Each row may have a label drawn above it. Returns the PNG bytes.
    /// </summary>
    /// <param name="rows">Rows of tiles with an optional label each.</param>
    /// <param name="scale">Integer enlargement (default 3: 28 x 28 becomes 84 x 84).</param>
    public static byte[] Render(IReadOnlyList<(string? Label, IReadOnlyList<GalleryTile> Tiles)> rows, int scale = 3)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be at least 1");
        if (rows.Count == 0 || rows.All(r => r.Tiles.Count == 0)) throw new ArgumentException("nothing to render", nameof(rows));
        int tileW = Math.Max(rows.SelectMany(r => r.Tiles).Max(t => t.Width) * scale, MinTileWidth);
        int tileH = rows.SelectMany(r => r.Tiles).Max(t => t.Height) * scale;
        int columns = rows.Max(r => r.Tiles.Count);
        int width = Gap + columns * (tileW + Gap);
        int rowHeight = LabelHeight + tileH + CaptionHeight + Gap;
        int height = Gap + rows.Count * rowHeight;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = Typeface();
        using var font = new SKFont(typeface, 10);
        using var labelFont = new SKFont(typeface, 13);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        for (int r = 0; r < rows.Count; r++)
        {
            int top = Gap + r * rowHeight;
            if (rows[r].Label is string label) canvas.DrawText(label, Gap, top + 14, SKTextAlign.Left, labelFont, text);
            for (int c = 0; c < rows[r].Tiles.Count; c++)
            {
                var tile = rows[r].Tiles[c];
                int left = Gap + c * (tileW + Gap), y0 = top + LabelHeight;
                using (var bitmap = ToBitmap(tile, scale))
                    canvas.DrawBitmap(bitmap, left + (tileW - tile.Width * scale) / 2, y0);
                var colour = tile.Tone < 0 ? new SKColor(0, 130, 60) : tile.Tone > 0 ? new SKColor(200, 30, 30) : SKColors.Black;
                // The stroke is centred on the rectangle's edge: offset by half its width so it never covers the image.
                int stroke = tile.Tone == 0 ? 1 : 2;
                using var frame = new SKPaint { Color = colour, Style = SKPaintStyle.Stroke, StrokeWidth = stroke };
                canvas.DrawRect(left + (tileW - tile.Width * scale) / 2 - stroke / 2f, y0 - stroke / 2f, tile.Width * scale + stroke, tile.Height * scale + stroke, frame);
                using var captionPaint = new SKPaint { Color = colour, IsAntialias = true };
                canvas.DrawText(Fit(tile.Caption, font, tileW), left + tileW / 2f, y0 + tileH + 12, SKTextAlign.Center, font, captionPaint);
                if (tile.Value is string value)
                    canvas.DrawText(Fit(value, font, tileW), left + tileW / 2f, y0 + tileH + 25, SKTextAlign.Center, font, captionPaint);
            }
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("Skia could not encode the PNG");
        return data.ToArray();
    }

    /// <summary>Renders and writes the PNG to <paramref name="path"/> (folder created).</summary>
    public static void Save(IReadOnlyList<(string? Label, IReadOnlyList<GalleryTile> Tiles)> rows, string path, int scale = 3)
    {
        var bytes = Render(rows, scale);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Top-left pixel (in output pixels) of tile <paramref name="column"/> of row <paramref name="row"/>, for a gallery whose widest tile is <paramref name="tileWidth"/> output pixels and tallest <paramref name="tileHeight"/>.</summary>
    public static (int X, int Y) TileOrigin(int row, int column, int tileWidth, int tileHeight, int imageWidth)
    {
        int tileW = Math.Max(tileWidth, MinTileWidth);
        int rowHeight = LabelHeight + tileHeight + CaptionHeight + Gap;
        return (Gap + column * (tileW + Gap) + (tileW - imageWidth) / 2, Gap + row * rowHeight + LabelHeight);
    }

    private static SKBitmap ToBitmap(GalleryTile tile, int scale)
    {
        if (tile.Channels is not (1 or 3) || tile.Pixels.Length != tile.Channels * tile.Height * tile.Width)
            throw new ArgumentException($"tile '{tile.Caption}' must hold 1 or 3 channels of {tile.Height} x {tile.Width} pixels", nameof(tile));
        int w = tile.Width * scale, h = tile.Height * scale, plane = tile.Height * tile.Width;
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var px = bitmap.GetPixelSpan();
        // Hand-written nearest-neighbour enlargement: exact pixel blocks, which a sampling filter would not guarantee.
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int src = (y / scale) * tile.Width + x / scale, dst = 4 * (y * w + x);
            byte r = ToByte(tile.Pixels[src]);
            px[dst] = r;
            px[dst + 1] = tile.Channels == 1 ? r : ToByte(tile.Pixels[plane + src]);
            px[dst + 2] = tile.Channels == 1 ? r : ToByte(tile.Pixels[2 * plane + src]);
            px[dst + 3] = 255;
        }
        return bitmap;
    }

    private static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);

    private static string Fit(string s, SKFont font, int width)
    {
        while (s.Length > 3 && font.MeasureText(s) > width) s = s[..^2] + "…";
        return s;
    }

    private static SKTypeface Typeface()
    {
        foreach (var family in new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" })
        {
            var t = SKTypeface.FromFamilyName(family);
            if (t is not null && t.FamilyName.Equals(family, StringComparison.OrdinalIgnoreCase)) return t;
            t?.Dispose();
        }
        foreach (var file in new[] { "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf" })
            if (File.Exists(file) && SKTypeface.FromFile(file) is { } t) return t;
        return SKTypeface.CreateDefault();
    }
}
