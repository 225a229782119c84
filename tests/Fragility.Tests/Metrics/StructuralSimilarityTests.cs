using Fragility.Metrics;

namespace Fragility.Tests.Metrics;

public class StructuralSimilarityTests
{
    private const double C1 = 1e-4, C2 = 9e-4;

    [Theory]
    [InlineData(28, 28)]   // Gaussian window
    [InlineData(8, 9)]     // uniform 7x7 window
    public void MapWithItself_IsOne(int h, int w)
    {
        var map = MapSamples.Continuous(new Random(h), h * w);
        Assert.Equal(1.0, new StructuralSimilarity().Compare(map, map, h, w), 12);
    }

    [Fact]
    public void ScaledCopy_IsOne_BecauseMapsAreRescaledByTheirMax()
    {
        var map = MapSamples.Continuous(new Random(1), 12 * 12);
        var scaled = map.Select(v => v * 0.01f).ToArray();
        Assert.Equal(1.0, new StructuralSimilarity().Compare(map, scaled, 12, 12), 6);
    }

    [Fact]
    public void DifferentMaps_AreBelowOne_AndSymmetric()
    {
        var rng = new Random(4);
        var a = MapSamples.Continuous(rng, 28 * 28);
        var b = a.Select((v, i) => i % 5 == 0 ? 1 - v : v).ToArray();
        var ssim = new StructuralSimilarity();
        double ab = ssim.Compare(a, b, 28, 28);
        Assert.InRange(ab, -1.0, 0.999);
        Assert.Equal(ab, ssim.Compare(b, a, 28, 28), 12);
    }

    [Fact]
    public void SingleUniformWindow_MatchesGlobalFormula()
    {
        // A 7x7 map has exactly one 7x7 window: SSIM is Wang et al.'s formula on the whole (max-rescaled) maps.
        var rng = new Random(9);
        var a = MapSamples.Continuous(rng, 49);
        var b = MapSamples.Continuous(rng, 49);
        double[] x = Rescale(a), y = Rescale(b);
        var weights = Enumerable.Repeat(1.0 / 49, 49).ToArray();
        Assert.Equal(WeightedSsim(x, y, weights), new StructuralSimilarity().Compare(a, b, 7, 7), 10);
    }

    [Fact]
    public void SingleGaussianWindow_MatchesGlobalFormula()
    {
        var rng = new Random(10);
        var a = MapSamples.Continuous(rng, 121);
        var b = MapSamples.Continuous(rng, 121);
        var weights = new double[121];
        for (int r = 0; r < 11; r++)
            for (int c = 0; c < 11; c++)
                weights[r * 11 + c] = Math.Exp(-((r - 5) * (r - 5) + (c - 5) * (c - 5)) / (2 * 1.5 * 1.5));
        double total = weights.Sum();
        weights = weights.Select(v => v / total).ToArray();
        Assert.Equal(WeightedSsim(Rescale(a), Rescale(b), weights), new StructuralSimilarity().Compare(a, b, 11, 11), 10);
    }

    [Fact]
    public void ConstantMaps_FollowTheDocumentedValues()
    {
        var ones = Enumerable.Repeat(0.3f, 64).ToArray();
        var zeros = new float[64];
        var ssim = new StructuralSimilarity();
        Assert.Equal(1.0, ssim.Compare(zeros, zeros, 8, 8), 12);
        Assert.Equal(1.0, ssim.Compare(ones, Enumerable.Repeat(5f, 64).ToArray(), 8, 8), 12);
        Assert.Equal(C1 / (1 + C1), ssim.Compare(ones, zeros, 8, 8), 12);
    }

    [Fact]
    public void TooSmallOrNegativeMaps_Throw()
    {
        Assert.Throws<FragilityException>(() => new StructuralSimilarity().Compare(new float[36], new float[36], 6, 6));
        var negative = new float[49];
        negative[3] = -1;
        Assert.Throws<ArgumentException>(() => new StructuralSimilarity().Compare(negative, new float[49], 7, 7));
    }

    private static double[] Rescale(float[] m)
    {
        double max = m.Max();
        return m.Select(v => v / max).ToArray();
    }

    private static double WeightedSsim(double[] x, double[] y, double[] w)
    {
        double mx = 0, my = 0;
        for (int i = 0; i < x.Length; i++) { mx += w[i] * x[i]; my += w[i] * y[i]; }
        double vx = 0, vy = 0, cxy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            vx += w[i] * (x[i] - mx) * (x[i] - mx);
            vy += w[i] * (y[i] - my) * (y[i] - my);
            cxy += w[i] * (x[i] - mx) * (y[i] - my);
        }
        return (2 * mx * my + C1) * (2 * cxy + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    }
}
