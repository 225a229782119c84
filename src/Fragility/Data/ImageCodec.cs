using System.Runtime.InteropServices;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Data;

/// <summary>
/// Reads image files (PNG, JPEG and the other formats Skia decodes: BMP, GIF, WebP) into tensors [C, H, W] with
/// values in [0, 1], and writes such tensors as PNG. Geometry and channels follow <see cref="ImageLoadOptions"/>:
/// resize so the shorter side is <see cref="ImageLoadOptions.ResizeShorter"/> (if given), then centre-crop. Grey is
/// the luminance 0.299 R + 0.587 G + 0.114 B; alpha is dropped (the stored colour is kept). EXIF orientation is not
/// applied (as in PIL and torchvision), and embedded colour profiles are ignored.
/// </summary>
public static class ImageCodec
{
    /// <summary>File extensions (lower case, with dot) treated as images when scanning folders.</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    /// <summary>Reads an image file as a float32 tensor [C, H, W] with values in [0, 1].</summary>
    /// <param name="path">The image file.</param>
    /// <param name="options">Channels, crop size and optional resize of the shorter side.</param>
    public static Tensor Load(string path, ImageLoadOptions options)
    {
        var values = new float[options.ValuesPerImage];
        _ = DecodeInto(path, options, values);
        return torch.tensor(values, new long[] { options.Channels, options.Height, options.Width }, dtype: ScalarType.Float32);
    }

    /// <summary>Writes a [C, H, W] (or [1, C, H, W]) tensor with values in [0, 1] as a PNG file (see <see cref="EncodePng"/>).</summary>
    /// <param name="chw01">Grey (C = 1) or RGB (C = 3) image, values in [0, 1].</param>
    /// <param name="path">The file to write; its folder is created if missing.</param>
    /// <param name="scale">Integer enlargement factor (nearest neighbour), 1 = none; useful for 28 x 28 images.</param>
    public static void SavePng(Tensor chw01, string path, int scale = 1)
    {
        var bytes = EncodePng(chw01, scale);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// Encodes a [C, H, W] (or [1, C, H, W]) tensor with values in [0, 1] as PNG bytes: values are clamped to [0, 1]
    /// (NaN becomes 0), scaled to 0-255 and rounded; C = 1 gives a grey PNG, C = 3 an RGB PNG.
    /// </summary>
    /// <param name="chw01">Grey (C = 1) or RGB (C = 3) image, values in [0, 1].</param>
    /// <param name="scale">Integer enlargement factor (nearest neighbour), 1 = none.</param>
    public static byte[] EncodePng(Tensor chw01, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be at least 1");
        var shape = chw01.shape;
        if (shape.Length == 4 && shape[0] == 1) shape = shape[1..];
        if (shape.Length != 3 || shape[0] is not (1 or 3))
            throw new ArgumentException($"expected an image [C,H,W] with C = 1 or 3, got [{string.Join(",", chw01.shape)}]", nameof(chw01));
        int c = (int)shape[0], h = (int)shape[1], w = (int)shape[2];
        float[] values;
        using (torch.NewDisposeScope())
            values = chw01.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

        int outH = h * scale, outW = w * scale;
        int bytesPerPixel = c == 1 ? 1 : 4;
        var pixels = new byte[(long)outH * outW * bytesPerPixel];
        // Hand-written nearest-neighbour enlargement: an exact block copy, which a sampling filter would not guarantee.
        for (int y = 0; y < outH; y++)
        for (int x = 0; x < outW; x++)
        {
            int src = (y / scale) * w + x / scale;
            long dst = ((long)y * outW + x) * bytesPerPixel;
            if (c == 1)
                pixels[dst] = ToByte(values[src]);
            else
            {
                pixels[dst] = ToByte(values[src]);
                pixels[dst + 1] = ToByte(values[h * w + src]);
                pixels[dst + 2] = ToByte(values[2 * h * w + src]);
                pixels[dst + 3] = 255;
            }
        }
        var info = new SKImageInfo(outW, outH, c == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("Skia could not encode the PNG");
        return data.ToArray();
    }

    /// <summary>Decodes, resizes, crops and converts one image into <paramref name="destination"/> ([C, H, W], values in [0, 1]).</summary>
    internal static ImageConversion DecodeInto(string path, ImageLoadOptions options, Span<float> destination)
    {
        bool colour = false;
        using var rgb = DecodeOpaque(path);
        int w = rgb.Width, h = rgb.Height;
        int newW = w, newH = h;
        if (options.ResizeShorter is int shorter)
        {
            double s = (double)shorter / Math.Min(w, h);
            newW = w <= h ? shorter : Math.Max(shorter, (int)Math.Round(w * s));
            newH = h < w ? shorter : Math.Max(shorter, (int)Math.Round(h * s));
        }
        else if (w < options.Width || h < options.Height)
            throw new FragilityException(
                $"Image '{path}' is {w}x{h} (width x height), smaller than the {options.Width}x{options.Height} crop: give a resize size (shorter side) or a larger image.");

        SKBitmap sized = rgb;
        if (newW != w || newH != h)
        {
            // Shrinking: trilinear (mipmaps) so that detail finer than the new pixel grid averages out instead of aliasing.
            // Enlarging: Mitchell cubic, smooth without ringing.
            var sampling = newW < w
                ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
                : new SKSamplingOptions(SKCubicResampler.Mitchell);
            sized = rgb.Resize(new SKImageInfo(newW, newH, SKColorType.Rgba8888, SKAlphaType.Opaque), sampling)
                ?? throw new FragilityException($"Image '{path}' could not be resized to {newW}x{newH}: check the resize size.");
        }
        try
        {
            int left = (newW - options.Width) / 2, top = (newH - options.Height) / 2;
            var px = sized.GetPixelSpan();
            int rowBytes = sized.RowBytes;
            int plane = options.Height * options.Width;
            for (int y = 0; y < options.Height; y++)
            {
                var row = px.Slice((top + y) * rowBytes + left * 4, options.Width * 4);
                for (int x = 0; x < options.Width; x++)
                {
                    byte r = row[4 * x], g = row[4 * x + 1], b = row[4 * x + 2];
                    int i = y * options.Width + x;
                    colour |= r != g || g != b;
                    if (options.Channels == 1)
                        // Grey pixels map exactly to level / 255, so a grey PNG written by EncodePng reads back bit-identical.
                        destination[i] = r == g && g == b ? r / 255f : (0.299f * r + 0.587f * g + 0.114f * b) / 255f;
                    else
                    {
                        destination[i] = r / 255f;
                        destination[plane + i] = g / 255f;
                        destination[2 * plane + i] = b / 255f;
                    }
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(sized, rgb)) sized.Dispose();
        }
        return new ImageConversion(w, h, colour && options.Channels == 1, newW, newH, options.Width, options.Height);
    }

    private static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);

    // Decodes to RGBA with the stored (unpremultiplied) colours, then marks every pixel opaque: this drops alpha
    // without darkening transparent pixels, and lets Skia resize without premultiplication artefacts.
    private static SKBitmap DecodeOpaque(string path)
    {
        if (!File.Exists(path))
            throw new FragilityException($"Image file '{path}' not found: check the path.");
        using var codec = SKCodec.Create(path, out var created);
        if (codec is null)
            throw new FragilityException(
                $"File '{path}' is not an image Skia can decode (PNG, JPEG, BMP, GIF, WebP; decoder result {created}): replace or remove it.");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
            throw new FragilityException($"Image '{path}' has no pixels ({info.Width}x{info.Height}): replace or remove it.");
        var rgbaInfo = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(rgbaInfo.WithAlphaType(SKAlphaType.Opaque));
        try
        {
            var result = codec.GetPixels(rgbaInfo, bitmap.GetPixels());
            if (result != SKCodecResult.Success)
                throw new FragilityException($"Image '{path}' cannot be decoded ({result}): it is truncated or corrupt; re-export or remove it.");
            var px = bitmap.GetPixelSpan();
            for (int i = 3; i < px.Length; i += 4) px[i] = 255;
            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }
}
