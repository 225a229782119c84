using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace Fragility.Tests.Data;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fragility-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(params string[] parts)
    {
        string p = System.IO.Path.Combine([Path, .. parts]);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Writes small files in the formats the data layer reads, independently of the readers.</summary>
internal static class DataFiles
{
    public static byte[] IdxImages(byte[] pixels, int count, int rows, int cols, int magic = 0x00000803)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    public static byte[] IdxLabels(byte[] labels, int magic = 0x00000801)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(bytes);
        return ms.ToArray();
    }

    public static void Write(string path, byte[] bytes, bool gzip) => System.IO.File.WriteAllBytes(path, gzip ? Gzip(bytes) : bytes);

    public static byte[] RandomBytes(int length, int seed, int max = 256)
    {
        var rng = new Random(seed);
        var b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte)rng.Next(max);
        return b;
    }

    /// <summary>A CIFAR-10 binary batch: per record one label byte and 3072 pixel bytes (R, G, B planes).</summary>
    public static void WriteCifarBatch(string path, IReadOnlyList<(byte Label, byte[] Pixels)> records)
    {
        using var f = System.IO.File.Create(path);
        foreach (var (label, pixels) in records)
        {
            f.WriteByte(label);
            f.Write(pixels);
        }
    }

    /// <summary>Writes a PNG (or JPEG) whose pixel (x, y) has the colour the function gives, alpha unpremultiplied.</summary>
    public static void WriteImage(string path, int width, int height, Func<int, int, (byte R, byte G, byte B, byte A)> colour,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var px = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            var (r, g, b, a) = colour(x, y);
            int i = 4 * (y * width + x);
            (px[i], px[i + 1], px[i + 2], px[i + 3]) = (r, g, b, a);
        }
        Marshal.Copy(px, 0, bitmap.GetPixels(), px.Length);
        using var data = bitmap.Encode(format, 100);
        System.IO.File.WriteAllBytes(path, data.ToArray());
    }

    public static void WriteGreyPng(string path, int width, int height, Func<int, int, byte> grey) =>
        WriteImage(path, width, height, (x, y) => { byte g = grey(x, y); return (g, g, g, 255); });

    /// <summary>Decodes an image with Skia into RGBA bytes (for checks of written PNGs).</summary>
    public static (int Width, int Height, byte[] Rgba) DecodeRgba(string path)
    {
        using var codec = SKCodec.Create(path);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var px = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(px, GCHandleType.Pinned);
        try
        {
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, handle.AddrOfPinnedObject()));
        }
        finally { handle.Free(); }
        return (info.Width, info.Height, px);
    }
}
