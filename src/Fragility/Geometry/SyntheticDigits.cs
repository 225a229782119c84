using System.IO.Compression;
using Fragility.Data;
using SkiaSharp;

namespace Fragility.Geometry;

/// <summary>
/// A second 28 x 28 grey data set for cross-data-set transfer when MNIST is not installed (no Debian package ships it):
/// the digits 0-9 drawn with the installed fonts (SkiaSharp), at random size (16-24 px), rotation (±15°), offset
/// (±3 px) and weight, white on black like MNIST, written in MNIST's IDX layout (gzip) so that
/// <c>--dataset mnist --data DIR</c> reads it and <c>fragility train</c> trains on it. Deterministic for a seed.
/// </summary>
public static class SyntheticDigits
{
    /// <summary>Image side in pixels (28, as MNIST).</summary>
    public const int Size = 28;

    /// <summary>Writes the four IDX files into <paramref name="folder"/>.</summary>
    /// <param name="folder">Output folder (created if missing).</param>
    /// <param name="trainCount">Training images.</param>
    /// <param name="testCount">Test images.</param>
    /// <param name="seed">Seed of the random draws.</param>
    public static void Write(string folder, int trainCount, int testCount, int seed = 0)
    {
        if (trainCount < 10 || testCount < 10) throw new FragilityException($"Synthetic digits need at least 10 training and 10 test images, got {trainCount} and {testCount}.");
        Directory.CreateDirectory(folder);
        var families = new[] { "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "Liberation Sans", "Liberation Serif", "Liberation Mono", "Noto Sans" }
            .Where(f => SKFontManager.Default.GetFontFamilies().Contains(f, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (families.Length == 0) families = [SKTypeface.Default.FamilyName];
        var rng = new Random(seed);
        foreach (var (split, count) in new[] { (DatasetSplit.Train, trainCount), (DatasetSplit.Test, testCount) })
        {
            var pixels = new byte[count * Size * Size];
            var labels = new byte[count];
            for (int i = 0; i < count; i++)
            {
                int digit = rng.Next(10);
                labels[i] = (byte)digit;
                Draw(digit, families[rng.Next(families.Length)], rng).CopyTo(pixels, i * Size * Size);
            }
            WriteIdx(Path.Combine(folder, MnistReader.ImagesFileName(split)), 0x00000803, [count, Size, Size], pixels);
            WriteIdx(Path.Combine(folder, MnistReader.LabelsFileName(split)), 0x00000801, [count], labels);
        }
    }

    private static byte[] Draw(int digit, string family, Random rng)
    {
        var style = rng.NextDouble() < 0.5 ? SKFontStyle.Bold : SKFontStyle.Normal;
        using var typeface = SKTypeface.FromFamilyName(family, style) ?? SKTypeface.Default;
        using var font = new SKFont(typeface, (float)(16 + 8 * rng.NextDouble()));
        using var paint = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var surface = SKSurface.Create(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.Black);
        canvas.Translate(Size / 2f + (float)(6 * rng.NextDouble() - 3), Size / 2f + (float)(6 * rng.NextDouble() - 3));
        canvas.RotateDegrees((float)(30 * rng.NextDouble() - 15));
        string text = digit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        font.MeasureText(text, out var bounds);
        canvas.DrawText(text, -bounds.MidX, -bounds.MidY, SKTextAlign.Left, font, paint);
        using var image = surface.Snapshot();
        using var bitmap = SKBitmap.FromImage(image);
        var result = new byte[Size * Size];
        for (int r = 0; r < Size; r++)
            for (int c = 0; c < Size; c++) result[r * Size + c] = bitmap.GetPixel(c, r).Red;
        return result;
    }

    private static void WriteIdx(string path, int magic, int[] dims, byte[] data)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        void Int(int v) { gzip.WriteByte((byte)(v >> 24)); gzip.WriteByte((byte)(v >> 16)); gzip.WriteByte((byte)(v >> 8)); gzip.WriteByte((byte)v); }
        Int(magic);
        foreach (int d in dims) Int(d);
        gzip.Write(data);
    }
}
