using Fragility.Influence;
using SkiaSharp;

namespace Fragility.Tests.Influence;

/// <summary>Results file (resume, truncation, no duplicates), summary statistics, gallery and figure rendering.</summary>
public sealed class InfluenceOutputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fragility-influence-" + Guid.NewGuid().ToString("N"));

    public InfluenceOutputTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private static InfluenceAttackRecord Record(string attack, double eps, int test, double spearman, int kept, bool label = true) => new()
    {
        Attack = attack, Epsilon = eps, Test = test, Label = 0, Spearman = spearman, TopKept = kept, K = 5, HeadLabelKept = label, NetworkLabelKept = true,
        Linf = eps, AngleGradient = 90, AnglePerturbation = 80, Failed = false, BestStep = 1, ProbabilityBefore = 0.9, ProbabilityAfter = 0.8,
        ObjectiveBefore = -1, ObjectiveAfter = -0.5, TopBefore = [1, 2, 3, 4, 5], TopBeforeValues = [-5, -4, -3, -2, -1], TopAfter = [1, 2, 3, 4, 6], TopAfterValues = [-5, -4, -3, -2, -1],
    };

    [Fact]
    public void ResultsFile_ResumesDropsATruncatedLastLine_AndNeverDuplicates()
    {
        string path = Path.Combine(_dir, "results.jsonl");
        using (var file = InfluenceResultsFile.Open(path))
        {
            Assert.Equal(2, file.Append([Record("random", 1, 10, 0.9, 4), Record("random", 1, 11, 0.8, 3)]));
            Assert.Equal(0, file.Append([Record("random", 1, 10, 0.1, 0)]));
        }
        // Simulate an interrupted write: half a line at the end.
        var full = File.ReadAllText(path);
        File.AppendAllText(path, full.Split('\n')[0][..40]);
        using (var reopened = InfluenceResultsFile.Open(path))
        {
            Assert.Equal(40, reopened.DroppedBytes);
            Assert.Equal(2, reopened.Records.Count);
            Assert.True(reopened.Contains("random", 1, 11));
            Assert.False(reopened.Contains("random", 2, 11));
        }
        Assert.Equal(full, File.ReadAllText(path));
        using (var again = InfluenceResultsFile.Open(path))
            Assert.Equal(1, again.Append([Record("random", 2, 11, 0.7, 2), Record("random", 1, 11, 0.0, 0)]));
        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal(lines.Length, lines.Distinct().Count());
        using var last = InfluenceResultsFile.Open(path);
        Assert.Equal(0.9, last.Records[0].Spearman);
    }

    [Fact]
    public void ResultsFile_RejectsCorruptionBeforeTheLastLine()
    {
        string path = Path.Combine(_dir, "results.jsonl");
        using (var file = InfluenceResultsFile.Open(path)) file.Append([Record("random", 1, 10, 0.9, 4)]);
        File.WriteAllText(path, "{not json\n" + File.ReadAllText(path));
        var e = Assert.Throws<FragilityException>(() => InfluenceResultsFile.Open(path));
        Assert.Contains("Line 1", e.Message);
    }

    [Fact]
    public void Summary_MeansStandardDeviationsAndRates_MatchHandValues()
    {
        var rows = InfluenceSummary.Compute([
            Record("a", 2, 1, 0.5, 5), Record("a", 2, 2, 0.7, 3, label: false), Record("a", 2, 3, 0.9, 1),
            Record("a", 1, 1, 1.0, 5), Record("random", 2, 1, 1.0, 5)]);
        Assert.Equal(3, rows.Count);
        var r = rows.Single(x => x.Attack == "a" && x.Epsilon == 2);
        Assert.Equal(3, r.Tests);
        Assert.Equal(0.7, r.SpearmanMean, 12);
        Assert.Equal(0.2, r.SpearmanStd, 12);          // sample std of 0.5, 0.7, 0.9
        Assert.Equal(3.0, r.TopKeptMean, 12);
        Assert.Equal(2.0, r.TopKeptStd, 12);           // sample std of 5, 3, 1
        Assert.Equal(2.0 / 3.0, r.LabelKeptRate, 12);
        Assert.Equal(-0.1, r.ProbabilityChangeMean, 12);
        Assert.Equal([1.0, 2.0], rows.Where(x => x.Attack == "a").Select(x => x.Epsilon));
        string csv = Path.Combine(_dir, "summary.csv");
        InfluenceSummary.Write(rows, csv);
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("attack,epsilon,tests,spearman_mean,spearman_std,top5_kept_mean,top5_kept_std,label_kept_rate", lines[0]);
        Assert.Contains("a,2,3,0.7,0.2,3,2,0.666667", lines[2]);
        InfluenceAttackFigure.Save(rows, Path.Combine(_dir, "fig.png"));
        using var fig = SKBitmap.Decode(Path.Combine(_dir, "fig.png"));
        Assert.Equal(1100, fig.Width);
    }

    [Fact]
    public void Gallery_DrawsTheImagesPixelExact()
    {
        var a = Enumerable.Range(0, 16).Select(i => i / 15f).ToArray();
        var b = Enumerable.Range(0, 16).Select(i => 1 - i / 15f).ToArray();
        var png = InfluenceGallery.Render([("row", [new GalleryTile(a, 1, 4, 4, "test"), new GalleryTile(b, 1, 4, 4, "#1 x", "I = -1", -1)])], scale: 3);
        using var bitmap = SKBitmap.Decode(png);
        for (int col = 0; col < 2; col++)
        {
            var (x0, y0) = InfluenceGallery.TileOrigin(0, col, 12, 12, 12);
            var src = col == 0 ? a : b;
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                    Assert.Equal((byte)MathF.Round(src[(y / 3) * 4 + x / 3] * 255), bitmap.GetPixel(x0 + x, y0 + y).Red);
        }
    }
}
