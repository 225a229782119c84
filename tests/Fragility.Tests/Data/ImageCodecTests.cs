using Fragility.Data;
using SkiaSharp;
using TorchSharp;

namespace Fragility.Tests.Data;

public class ImageCodecTests
{
    private static readonly (byte R, byte G, byte B)[] Colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)];

    [Fact]
    public void Load_ConvertsToRgbPlanes_AndGreyByLuminance()
    {
        using var dir = new TempFolder();
        string path = dir.File("four.png");
        DataFiles.WriteImage(path, 2, 2, (x, y) => { var c = Colours[2 * y + x]; return (c.R, c.G, c.B, 255); });

        using var rgb = ImageCodec.Load(path, new ImageLoadOptions(3, 2, 2));
        Assert.Equal(new long[] { 3, 2, 2 }, rgb.shape);
        using var grey = ImageCodec.Load(path, new ImageLoadOptions(1, 2, 2));
        Assert.Equal(new long[] { 1, 2, 2 }, grey.shape);
        for (int i = 0; i < 4; i++)
        {
            var (r, g, b) = Colours[i];
            int y = i / 2, x = i % 2;
            Assert.Equal(r / 255.0, rgb[0, y, x].item<float>(), 6);
            Assert.Equal(g / 255.0, rgb[1, y, x].item<float>(), 6);
            Assert.Equal(b / 255.0, rgb[2, y, x].item<float>(), 6);
            Assert.Equal((0.299 * r + 0.587 * g + 0.114 * b) / 255.0, grey[0, y, x].item<float>(), 5);
        }
    }

    [Fact]
    public void Load_WithoutResize_CutsTheCentralRegion()
    {
        using var dir = new TempFolder();
        string path = dir.File("grid.png");
        // 7 x 4 image: red = 10 y + x identifies each pixel; a 2 x 3 crop starts at x = (7-3)/2 = 2, y = (4-2)/2 = 1.
        DataFiles.WriteImage(path, 7, 4, (x, y) => ((byte)(10 * y + x), (byte)(100 + x), (byte)(200 + y), 255));

        using var crop = ImageCodec.Load(path, new ImageLoadOptions(3, 2, 3));
        for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++)
        {
            Assert.Equal((10 * (y + 1) + x + 2) / 255f, crop[0, y, x].item<float>());
            Assert.Equal((100 + x + 2) / 255f, crop[1, y, x].item<float>());
            Assert.Equal((200 + y + 1) / 255f, crop[2, y, x].item<float>());
        }
    }

    [Fact]
    public void Load_ResizesShorterSide_KeepingAspect_ThenCentreCrops()
    {
        using var dir = new TempFolder();
        string path = dir.File("halves.png");
        // 40 x 20: black left half, white right half. Shorter side 20 -> 10 gives 20 x 10 with the edge between
        // columns 9 and 10; the central 10 x 10 crop starts at column 5, so the edge lies between crop columns 4 and 5.
        DataFiles.WriteGreyPng(path, 40, 20, (x, _) => x < 20 ? (byte)0 : (byte)255);

        using var img = ImageCodec.Load(path, new ImageLoadOptions(1, 10, 10, ResizeShorter: 10));
        Assert.Equal(new long[] { 1, 10, 10 }, img.shape);
        for (int y = 0; y < 10; y++)
        {
            for (int x = 0; x <= 3; x++) Assert.True(img[0, y, x].item<float>() < 0.05f, $"({y},{x}) should be black");
            for (int x = 6; x < 10; x++) Assert.True(img[0, y, x].item<float>() > 0.95f, $"({y},{x}) should be white");
        }
    }

    [Fact]
    public void Load_ShrinkingAveragesFineDetail_AndEnlargingKeepsUniformColour()
    {
        using var dir = new TempFolder();
        string stripes = dir.File("stripes.png");
        // Columns 3 and 4 of every 8 are white. An 8x shrink that averages gives 2/8 = 0.25 everywhere; point or plain
        // bilinear sampling (at source column 8 i + 3.5) would land on the white columns and give 1.
        DataFiles.WriteGreyPng(stripes, 64, 64, (x, _) => x % 8 is 3 or 4 ? (byte)255 : (byte)0);
        using var small = ImageCodec.Load(stripes, new ImageLoadOptions(1, 8, 8, 8));
        Assert.InRange(small.min().item<float>(), 0.18f, 0.32f);
        Assert.InRange(small.max().item<float>(), 0.18f, 0.32f);

        string flat = dir.File("flat.png");
        DataFiles.WriteImage(flat, 3, 5, (_, _) => (77, 150, 220, 255));
        using var big = ImageCodec.Load(flat, new ImageLoadOptions(3, 12, 9, 12));
        Assert.Equal(new long[] { 3, 12, 9 }, big.shape);
        foreach (var (c, v) in new[] { (0, 77), (1, 150), (2, 220) })
        {
            Assert.Equal(v / 255f, big[c].min().item<float>(), 2);
            Assert.Equal(v / 255f, big[c].max().item<float>(), 2);
        }
    }

    [Fact]
    public void Load_DropsAlpha_KeepingStoredColour_AndReadsJpeg()
    {
        using var dir = new TempFolder();
        string png = dir.File("alpha.png");
        DataFiles.WriteImage(png, 2, 1, (x, _) => x == 0 ? ((byte)200, (byte)100, (byte)50, (byte)0) : ((byte)200, (byte)100, (byte)50, (byte)128));
        using var img = ImageCodec.Load(png, new ImageLoadOptions(3, 1, 2));
        for (int x = 0; x < 2; x++)
        {
            Assert.Equal(200 / 255f, img[0, 0, x].item<float>());
            Assert.Equal(100 / 255f, img[1, 0, x].item<float>());
            Assert.Equal(50 / 255f, img[2, 0, x].item<float>());
        }

        string jpeg = dir.File("flat.jpg");
        DataFiles.WriteImage(jpeg, 16, 16, (_, _) => (30, 140, 220, 255), SKEncodedImageFormat.Jpeg);
        using var j = ImageCodec.Load(jpeg, new ImageLoadOptions(3, 16, 16));
        Assert.InRange(j[0].mean().item<float>() * 255, 27, 33);
        Assert.InRange(j[1].mean().item<float>() * 255, 137, 143);
        Assert.InRange(j[2].mean().item<float>() * 255, 217, 223);
    }

    [Fact]
    public void Load_BadInputs_ThrowFragilityException_NamingFile()
    {
        using var dir = new TempFolder();
        string text = dir.File("fake.png");
        File.WriteAllText(text, "this is not an image");
        var e = Assert.Throws<FragilityException>(() => ImageCodec.Load(text, new ImageLoadOptions(1, 2, 2)));
        Assert.Contains(text, e.Message);
        Assert.DoesNotContain('\n', e.Message);

        string truncated = dir.File("cut.png");
        DataFiles.WriteGreyPng(truncated, 64, 64, (x, y) => (byte)(x * y));
        var bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        e = Assert.Throws<FragilityException>(() => ImageCodec.Load(truncated, new ImageLoadOptions(1, 64, 64)));
        Assert.Contains(truncated, e.Message);

        string small = dir.File("small.png");
        DataFiles.WriteGreyPng(small, 4, 4, (_, _) => 9);
        e = Assert.Throws<FragilityException>(() => ImageCodec.Load(small, new ImageLoadOptions(1, 8, 8)));
        Assert.Contains("smaller than", e.Message);

        e = Assert.Throws<FragilityException>(() => ImageCodec.Load(dir.File("none.png"), new ImageLoadOptions(1, 8, 8)));
        Assert.Contains("not found", e.Message);

        Assert.Throws<FragilityException>(() => new ImageLoadOptions(2, 8, 8));
        Assert.Throws<FragilityException>(() => new ImageLoadOptions(3, 224, 224, 200));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EncodePng_RoundTripsValuesOnThe255Grid(int channels)
    {
        using var dir = new TempFolder();
        var levels = DataFiles.RandomBytes(channels * 5 * 7, seed: channels);
        using var image = torch.tensor(levels.Select(b => b / 255f).ToArray(), new long[] { channels, 5, 7 });
        string path = dir.File("out", "round.png");
        ImageCodec.SavePng(image, path);

        using var back = ImageCodec.Load(path, new ImageLoadOptions(channels, 5, 7));
        var expected = image.data<float>().ToArray();
        var actual = back.data<float>().ToArray();
        Assert.Equal(expected, actual);  // bit-identical: k/255 -> byte k -> k/255
    }

    [Fact]
    public void EncodePng_ScalesByNearestNeighbour_AndClampsValues()
    {
        using var dir = new TempFolder();
        // RGB 2 x 3 with values outside [0, 1] (clamped) and a batch dimension of 1.
        float[] v = [0f, 0.5f, 1f, -0.5f, 1.7f, 0.2f, /* G */ 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, /* B */ 1f, 1f, 1f, 0f, 0f, 0f];
        using var image = torch.tensor(v, new long[] { 1, 3, 2, 3 });
        string path = dir.File("big.png");
        File.WriteAllBytes(path, ImageCodec.EncodePng(image, scale: 3));

        var (w, h, rgba) = DataFiles.DecodeRgba(path);
        Assert.Equal((9, 6), (w, h));
        for (int y = 0; y < 6; y++)
        for (int x = 0; x < 9; x++)
        for (int c = 0; c < 3; c++)
        {
            float src = v[c * 6 + (y / 3) * 3 + x / 3];
            byte expected = (byte)Math.Round(Math.Clamp(src, 0f, 1f) * 255);
            Assert.Equal(expected, rgba[4 * (y * 9 + x) + c]);
        }

        using var wrong = torch.zeros(2, 4, 4);
        Assert.Throws<ArgumentException>(() => ImageCodec.EncodePng(wrong));
    }
}
