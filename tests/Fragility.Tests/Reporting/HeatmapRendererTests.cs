using Fragility.Reporting;
using SkiaSharp;

namespace Fragility.Tests.Reporting;

public sealed class HeatmapRendererTests
{
    private static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a decodable image");

    [Theory]
    [InlineData(28, 28, 4)]
    [InlineData(32, 32, 4)]
    [InlineData(224, 224, 1)]
    [InlineData(10, 40, 3)]
    public void AutoScale_ReachesTheTargetWithAWholeFactor(int h, int w, int expected) =>
        Assert.Equal(expected, HeatmapRenderer.AutoScale(h, w));

    [Fact]
    public void Colormaps_EndpointsAreThePublishedControlPoints()
    {
        Assert.Equal(SKColor.Parse("#440154"), Colormaps.Viridis.Map(0));
        Assert.Equal(SKColor.Parse("#FDE725"), Colormaps.Viridis.Map(1));
        Assert.Equal(SKColor.Parse("#000004"), Colormaps.Inferno.Map(-3));
        Assert.Equal(SKColor.Parse("#FCFFA4"), Colormaps.Inferno.Map(7));
        Assert.Equal(SKColor.Parse("#DDDDDD"), Colormaps.CoolWarm.Map(0.5));
        Assert.Equal(Colormaps.Inferno.Map(0), Colormaps.Inferno.Map(double.NaN));
        // Grey is a two-point ramp: entry i of 256 has value i.
        Assert.Equal(new SKColor(100, 100, 100), Colormaps.Grey.Map(100 / 255.0));
        Assert.Same(Colormaps.Magma, Colormaps.Get("MAGMA"));
        Assert.Throws<FragilityException>(() => Colormaps.Get("jet"));
    }

    [Fact]
    public void RenderMap_UpscalesByNearestNeighbour_AndMapsMinAndMaxToTheColormapEnds()
    {
        var map = new float[28 * 28];
        map[0] = 5f;            // top-left pixel: the maximum
        map[28 * 28 - 1] = 2.5f; // bottom-right: half way
        using var bmp = Decode(HeatmapRenderer.RenderMap(map, 28, 28));
        Assert.Equal(112, bmp.Width);
        Assert.Equal(112, bmp.Height);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                Assert.Equal(SKColor.Parse("#FCFFA4"), bmp.GetPixel(x, y));
        Assert.Equal(SKColor.Parse("#000004"), bmp.GetPixel(4, 0)); // the neighbouring input pixel is 0
        Assert.Equal(Colormaps.Inferno.Map(0.5), bmp.GetPixel(111, 111));
    }

    [Fact]
    public void RenderMap_ExplicitRangeAndPercentileClip()
    {
        var map = Enumerable.Range(0, 100).Select(i => (float)i).ToArray(); // 0..99
        using var fixedRange = Decode(HeatmapRenderer.RenderMap(map, 10, 10, new HeatmapOptions { Scale = 1, Min = 0, Max = 198 }));
        Assert.Equal(Colormaps.Inferno.Map(0.5), fixedRange.GetPixel(9, 9)); // 99 of 198
        using var clipped = Decode(HeatmapRenderer.RenderMap(map, 10, 10, new HeatmapOptions { Scale = 1, ClipPercentile = 50, Colormap = Colormaps.Grey }));
        Assert.Equal(SKColors.White, clipped.GetPixel(9, 9)); // far above the median: top of the scale
        Assert.Equal(SKColors.Black, clipped.GetPixel(0, 0));
    }

    [Fact]
    public void RenderImage_GreyAndRgb_ClampToTheValidRange()
    {
        using var grey = Decode(HeatmapRenderer.RenderImage([0f, 0.5f, 1f, 2f], 1, 2, 2));
        Assert.Equal(new SKColor(128, 128, 128), grey.GetPixel(1, 0));
        Assert.Equal(SKColors.White, grey.GetPixel(1, 1));
        // RGB [3, 1, 2]: channel-major planes.
        using var rgb = Decode(HeatmapRenderer.RenderImage([1f, 0f, 0f, 1f, 0f, 0f], 3, 1, 2, scale: 3));
        Assert.Equal(6, rgb.Width);
        Assert.Equal(new SKColor(255, 0, 0), rgb.GetPixel(0, 0));
        Assert.Equal(new SKColor(0, 255, 0), rgb.GetPixel(5, 2));
    }

    [Fact]
    public void RenderPerturbation_ZeroIsGrey_AndTheLargestChangesReachTheEnds()
    {
        float[] clean = [0.5f, 0.5f, 0.5f, 0.5f];
        float[] perturbed = [0.5f, 0.53f, 0.47f, 0.515f];
        using var grey = Decode(HeatmapRenderer.RenderPerturbation(clean, perturbed, 1, 2, 2));
        Assert.Equal(SKColor.Parse("#DDDDDD"), grey.GetPixel(0, 0));
        Assert.Equal(SKColor.Parse("#B40426"), grey.GetPixel(1, 0));
        Assert.Equal(SKColor.Parse("#3B4CC0"), grey.GetPixel(0, 1));
        Assert.Equal(Colormaps.CoolWarm.Map(0.75), grey.GetPixel(1, 1));
        Assert.Equal(0.03, HeatmapRenderer.MaxAbsDifference(clean, perturbed), 6);

        using var none = Decode(HeatmapRenderer.RenderPerturbation(clean, clean, 1, 2, 2));
        Assert.Equal(SKColor.Parse("#DDDDDD"), none.GetPixel(1, 1));

        // RGB: 0.5 + delta / (2 max) per channel.
        float[] c3 = new float[3], p3 = [0.1f, 0f, -0.05f];
        using var rgb = Decode(HeatmapRenderer.RenderPerturbation(c3, p3, 3, 1, 1));
        Assert.Equal(new SKColor(255, 128, 64), rgb.GetPixel(0, 0));
    }

    [Fact]
    public void RenderOverlay_ShowsTheImageWhereTheMapIsZero_AndBlendsElsewhere()
    {
        float[] image = [0.2f, 0.2f];
        float[] map = [0f, 1f];
        using var bmp = Decode(HeatmapRenderer.RenderOverlay(image, 1, 1, 2, map, new HeatmapOptions { Scale = 1, OverlayAlpha = 0.5 }));
        Assert.Equal(new SKColor(51, 51, 51), bmp.GetPixel(0, 0));
        var top = SKColor.Parse("#FCFFA4");
        Assert.Equal(new SKColor((byte)Math.Round(0.5 * 51 + 0.5 * top.Red), (byte)Math.Round(0.5 * 51 + 0.5 * top.Green),
            (byte)Math.Round(0.5 * 51 + 0.5 * top.Blue)), bmp.GetPixel(1, 0));
    }

    [Fact]
    public void Render_WrongSizes_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => HeatmapRenderer.RenderMap(new float[10], 3, 3));
        Assert.Throws<ArgumentException>(() => HeatmapRenderer.RenderImage(new float[8], 2, 2, 2));
        Assert.Throws<ArgumentException>(() => HeatmapRenderer.RenderPerturbation(new float[4], new float[3], 1, 2, 2));
    }

    [Fact]
    public void Save_WritesTheBytesCreatingTheFolder()
    {
        string dir = Directory.CreateTempSubdirectory("heatmap-").FullName;
        try
        {
            string path = Path.Combine(dir, "sub", "m.png");
            byte[] png = HeatmapRenderer.RenderMap(new float[4], 2, 2);
            HeatmapRenderer.Save(png, path);
            Assert.Equal(png, File.ReadAllBytes(path));
        }
        finally { Directory.Delete(dir, true); }
    }
}
