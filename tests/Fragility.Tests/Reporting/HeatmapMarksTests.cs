using Fragility.Reporting;
using SkiaSharp;

namespace Fragility.Tests.Reporting;

/// <summary>The marks on heatmaps (top-k outline, centre of mass) and the shared colour scale of before/after maps.</summary>
public sealed class HeatmapMarksTests
{
    private static readonly SKColor TopKColour = SKColor.Parse("#00E5FF");
    private static readonly SKColor CenterColour = SKColor.Parse("#39FF14");

    [Fact]
    public void CentreOfMass_IsMarked_AtThePixelWhereItLies()
    {
        // Two equal masses at (4, 6) and (4, 14): the centre of mass is pixel (4, 10), by symmetry.
        var map = new float[20 * 20];
        map[4 * 20 + 6] = 1;
        map[4 * 20 + 14] = 1;
        using var bmp = SKBitmap.Decode(HeatmapRenderer.RenderMap(map, 20, 20, new HeatmapOptions { Scale = 5, MarkCenterOfMass = true }));
        Assert.Equal(CenterColour, bmp.GetPixel(10 * 5 + 2, 4 * 5 + 2));
        // Far from it, the colour scale: the zero colour of inferno (near black), not the marker.
        Assert.NotEqual(CenterColour, bmp.GetPixel(2, 90));
    }

    [Fact]
    public void TopKPixels_AreOutlined_AndTheirInsideKeepsTheMapColour()
    {
        var map = new float[10 * 10];
        map[3 * 10 + 3] = 5; // the top 1
        map[7 * 10 + 7] = 1;
        const int s = 6;
        using var marked = SKBitmap.Decode(HeatmapRenderer.RenderMap(map, 10, 10, new HeatmapOptions { Scale = s, TopK = 1 }));
        using var plain = SKBitmap.Decode(HeatmapRenderer.RenderMap(map, 10, 10, new HeatmapOptions { Scale = s }));
        // Every border pixel of the upscaled top-1 pixel is the outline colour.
        for (int d = 0; d < s; d++)
        {
            Assert.Equal(TopKColour, marked.GetPixel(3 * s + d, 3 * s));
            Assert.Equal(TopKColour, marked.GetPixel(3 * s + d, 3 * s + s - 1));
            Assert.Equal(TopKColour, marked.GetPixel(3 * s, 3 * s + d));
            Assert.Equal(TopKColour, marked.GetPixel(3 * s + s - 1, 3 * s + d));
        }
        Assert.Equal(plain.GetPixel(3 * s + s / 2, 3 * s + s / 2), marked.GetPixel(3 * s + s / 2, 3 * s + s / 2));
        // The second pixel is not in the top 1: not outlined.
        Assert.Equal(plain.GetPixel(7 * s, 7 * s), marked.GetPixel(7 * s, 7 * s));
        Assert.NotEqual(TopKColour, marked.GetPixel(7 * s, 7 * s));
    }

    [Fact]
    public void SharedScale_GivesTheSameValueTheSameColour_InBeforeAndAfter()
    {
        var before = new float[8 * 8];
        var after = new float[8 * 8];
        for (int i = 0; i < before.Length; i++) { before[i] = i / 63f; after[i] = 2 * i / 63f; }
        before[10] = after[10] = 0.5f; // one value present in both maps
        double max = HeatmapRenderer.SharedMax([before, after]);
        Assert.Equal(2.0, max, 6);
        var opt = new HeatmapOptions { Scale = 1, Min = 0, Max = max };
        using var b = SKBitmap.Decode(HeatmapRenderer.RenderMap(before, 8, 8, opt));
        using var a = SKBitmap.Decode(HeatmapRenderer.RenderMap(after, 8, 8, opt));
        Assert.Equal(b.GetPixel(2, 1), a.GetPixel(2, 1));
        // Each map on its own scale (the old behaviour) would colour it differently.
        using var own = SKBitmap.Decode(HeatmapRenderer.RenderMap(before, 8, 8, new HeatmapOptions { Scale = 1 }));
        Assert.NotEqual(own.GetPixel(2, 1), a.GetPixel(2, 1));
    }

    [Fact]
    public void BeforeAfterComposite_HasFivePanels_WhoseMapsShareOneScale()
    {
        var clean = Enumerable.Range(0, 28 * 28).Select(i => (i % 28) / 27f).ToArray();
        var adv = clean.Select(v => Math.Clamp(v + 0.01f, 0, 1)).ToArray();
        var map0 = Enumerable.Range(0, 28 * 28).Select(i => i / 783f).ToArray();
        var map1 = map0.Select(v => 3 * v).ToArray();
        map0[0] = map1[0] = 0.6f;
        var opt = new HeatmapOptions { Scale = 4 }; // no marks, so the pixel compared is the map's colour
        using var bmp = SKBitmap.Decode(HeatmapRenderer.RenderBeforeAfter(clean, adv, 1, 28, 28, map0, map1, opt));
        // Five equal columns (112 px images centred, columns widened to fit captions), 8 px gaps; 20 px captions above.
        int cw = (bmp.Width - 6 * 8) / 5;
        Assert.Equal(bmp.Width, 5 * cw + 6 * 8);
        Assert.True(cw >= 112);
        Assert.Equal(112 + 20 + 2 * 8, bmp.Height);
        int X(int panel) => 8 + panel * (cw + 8) + (cw - 112) / 2 + 1;
        const int y = 8 + 20 + 1;
        Assert.Equal(bmp.GetPixel(X(1), y), bmp.GetPixel(X(3), y));
    }
}
