using Fragility.Reporting;
using SkiaSharp;

namespace Fragility.Tests.Reporting;

public sealed class PaperFigureTests
{
    private static SweepSummary Summary(params string[] methods)
    {
        var records = new List<ResultRecord>();
        int image = 0;
        foreach (var method in methods)
            foreach (var (attack, drop) in new[] { ("random", 0.02), ("topk", 0.09) })
                foreach (double eps in new[] { 1.0, 2, 4, 8 })
                    for (int i = 0; i < 3; i++)
                        records.Add(new ResultRecord
                        {
                            Image = image++, Method = method, Attack = attack, Epsilon = eps,
                            TopkIntersection = 1 - drop * eps - 0.01 * i, Spearman = 1 - drop * eps / 2, CenterShift = drop * eps * 3 + i * 0.1,
                        });
        return SweepSummary.Compute(records);
    }

    [Fact]
    public void Save_WritesAPngOfTheDefaultSize_ThatSkiaDecodes()
    {
        string dir = Directory.CreateTempSubdirectory("figure-").FullName;
        try
        {
            string path = Path.Combine(dir, "figure.png");
            PaperFigure.Save(Summary("gradient", "ig", "deeplift"), path, "test figure");
            using var bmp = SKBitmap.Decode(path);
            Assert.NotNull(bmp);
            Assert.Equal(PaperFigure.DefaultWidth(3), bmp.Width);
            Assert.Equal(PaperFigure.DefaultHeight, bmp.Height);

            // Lines are drawn in the palette's first colours (#0072B2 for the first attack, #D55E00 for the second).
            int blue = 0, orange = 0;
            for (int y = 0; y < bmp.Height; y += 1)
                for (int x = 0; x < bmp.Width; x += 1)
                {
                    var c = bmp.GetPixel(x, y);
                    if (Near(c, 0x00, 0x72, 0xB2)) blue++;
                    if (Near(c, 0xD5, 0x5E, 0x00)) orange++;
                }
            Assert.True(blue > 200, $"blue pixels: {blue}");
            Assert.True(orange > 200, $"orange pixels: {orange}");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Render_HonoursAnExplicitSize()
    {
        using var bmp = SKBitmap.Decode(PaperFigure.Render(Summary("ig"), width: 640, height: 900));
        Assert.Equal(640, bmp.Width);
        Assert.Equal(900, bmp.Height);
    }

    [Fact]
    public void Render_EmptySummary_TellsTheUserToRunTheSweep()
    {
        var e = Assert.Throws<FragilityException>(() => PaperFigure.Render(SweepSummary.Compute([])));
        Assert.Contains("sweep", e.Message);
    }

    private static bool Near(SKColor c, int r, int g, int b) =>
        Math.Abs(c.Red - r) <= 6 && Math.Abs(c.Green - g) <= 6 && Math.Abs(c.Blue - b) <= 6;

    [Fact]
    public void OneMethod_TitleAndLegendFit_NothingTouchesTheEdges()
    {
        // The README's one-method run (--methods gradient) with a long model name used to clip title and legend.
        const string title = "Fragility of explanations: fashion-mnist-small-cnn.safetensors on fashion-mnist";
        using var bmp = SKBitmap.Decode(PaperFigure.Render(Summary("gradient"), title));
        Assert.Equal(PaperFigure.DefaultWidth(1), bmp.Width);
        bool Ink(int x, int y) { var c = bmp.GetPixel(x, y); return c.Red < 200 || c.Green < 200 || c.Blue < 200; }
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < 4; x++)
            {
                Assert.False(Ink(x, y), $"ink at the left edge ({x}, {y})");
                Assert.False(Ink(bmp.Width - 1 - x, y), $"ink at the right edge ({bmp.Width - 1 - x}, {y})");
            }
        // The title was drawn (dark pixels in its strip) and so was the legend (in the bottom strip).
        Assert.Contains(Enumerable.Range(0, bmp.Width), x => Enumerable.Range(15, 25).Any(y => Ink(x, y)));
        Assert.Contains(Enumerable.Range(0, bmp.Width), x => Enumerable.Range(bmp.Height - 60, 50).Any(y => Ink(x, y)));
    }
}
