using Fragility.Metrics;

namespace Fragility.Tests.Metrics;

public class CorrelationTests
{
    [Fact]
    public void Spearman_WithTies_MatchesHandComputedAverageRanks()
    {
        // Ranks [1, 2.5, 2.5, 4] vs [1, 3, 2, 4]: deviations [-1.5,0,0,1.5] and [-1.5,.5,-.5,1.5],
        // covariance sum 4.5, sums of squares 4.5 and 5, so r = 4.5 / sqrt(22.5) = 3 / sqrt(10).
        Assert.Equal(3 / Math.Sqrt(10), new SpearmanRankCorrelation().Compare([1, 2, 2, 3], [1, 3, 2, 4], 2, 2), 12);
    }

    [Fact]
    public void Spearman_IsInvariantToMonotoneTransforms()
    {
        var rng = new Random(3);
        var a = MapSamples.WithTies(rng, 400, 7);
        var b = a.Select(v => v * v * v + 0.5f).ToArray();
        var reversed = a.Select(v => 1 - v).ToArray();
        Assert.Equal(1.0, new SpearmanRankCorrelation().Compare(a, b, 20, 20), 12);
        Assert.Equal(-1.0, new SpearmanRankCorrelation().Compare(a, reversed, 20, 20), 12);
    }

    [Fact]
    public void Pearson_MatchesHandComputedValue()
    {
        // Deviations [-1.5,-.5,.5,1.5] and [-3,-1,0,4]: covariance sum 11, sums of squares 5 and 26.
        Assert.Equal(11 / Math.Sqrt(130), new PearsonCorrelation().Compare([1, 2, 3, 4], [2, 4, 5, 9], 1, 4), 12);
    }

    [Theory]
    [InlineData(new float[] { 1, 2, 2, 3 }, new float[] { 1, 3, 2, 4 }, 0.91287092917527690)] // C=5, D=0, one x-tie: 5/sqrt(5*6)
    [InlineData(new float[] { 1, 1, 2, 3 }, new float[] { 2, 1, 1, 3 }, 0.4)]                 // C=3, D=1, one tie each: 2/sqrt(5*5)
    [InlineData(new float[] { 1, 2, 3, 4 }, new float[] { 4, 3, 2, 1 }, -1.0)]
    [InlineData(new float[] { 0, 0, 1, 1 }, new float[] { 0, 0, 1, 1 }, 1.0)]                  // tau-b reaches 1 with ties
    public void Kendall_MatchesHandComputedTauB(float[] x, float[] y, double expected)
    {
        Assert.Equal(expected, new KendallTauB().Compare(x, y, 2, 2), 12);
    }

    [Fact]
    public void Kendall_AgreesWithQuadraticReference_OnRandomMapsWithTies()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 6; trial++)
        {
            int h = 9 + trial, w = 13;
            var x = MapSamples.WithTies(rng, h * w, 3 + trial);
            var y = trial % 2 == 0 ? MapSamples.WithTies(rng, h * w, 4) : x.Select((v, i) => v + (i % 3) * 0.1f).ToArray();
            Assert.Equal(QuadraticTauB(x, y), new KendallTauB().Compare(x, y, h, w), 10);
        }
    }

    [Fact]
    public void Kendall_HandlesImageNetSizeMaps()
    {
        // 224x224 = 50176 pixels: 1.26e9 pairs, feasible only with the O(n log n) algorithm.
        var rng = new Random(8);
        var x = MapSamples.WithTies(rng, 224 * 224, 50);
        var reversed = x.Select(v => 1 - v).ToArray();
        Assert.Equal(1.0, new KendallTauB().Compare(x, x, 224, 224), 12);
        Assert.Equal(-1.0, new KendallTauB().Compare(x, reversed, 224, 224), 12);
    }

    public static TheoryData<string> CorrelationNames => new() { "spearman", "kendall", "pearson" };

    [Theory]
    [MemberData(nameof(CorrelationNames))]
    public void ConstantMaps_BothConstantGiveOne_OneConstantGivesZero(string name)
    {
        var metric = MetricCatalogue.MapComparison(name, 2, 3);
        float[] flat = [0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f];
        float[] zero = [0, 0, 0, 0, 0, 0];
        float[] varied = [1, 0, 3, 2, 5, 4];
        Assert.Equal(1.0, metric.Compare(flat, zero, 2, 3));
        Assert.Equal(1.0, metric.Compare(flat, flat, 2, 3));
        Assert.Equal(0.0, metric.Compare(flat, varied, 2, 3));
        Assert.Equal(0.0, metric.Compare(varied, zero, 2, 3));
        Assert.Equal(1.0, metric.Compare(varied, varied, 2, 3), 12);
    }

    [Theory]
    [MemberData(nameof(CorrelationNames))]
    public void BadShapes_ThrowArgumentException(string name)
    {
        var metric = MetricCatalogue.MapComparison(name, 2, 2);
        Assert.Throws<ArgumentException>(() => metric.Compare([1, 2, 3, 4], [1, 2, 3], 2, 2));
        Assert.Throws<ArgumentException>(() => metric.Compare([1, 2, 3, 4], [1, 2, 3, 4], 1, 3));
        Assert.Throws<ArgumentException>(() => metric.Compare([1, 2, 3, 4], [1, 2, float.PositiveInfinity, 4], 2, 2));
    }

    // Definition of tau-b by counting every pair: the independent truth for the O(n log n) version.
    private static double QuadraticTauB(float[] x, float[] y)
    {
        long concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, pairs = 0;
        for (int i = 0; i < x.Length; i++)
            for (int j = i + 1; j < x.Length; j++)
            {
                pairs++;
                int sx = Math.Sign(x[i] - x[j]), sy = Math.Sign(y[i] - y[j]);
                if (sx == 0) tiedX++;
                if (sy == 0) tiedY++;
                if (sx * sy > 0) concordant++;
                else if (sx * sy < 0) discordant++;
            }
        return (concordant - discordant) / Math.Sqrt((double)(pairs - tiedX) * (pairs - tiedY));
    }
}
