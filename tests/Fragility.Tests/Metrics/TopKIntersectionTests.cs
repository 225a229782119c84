using Fragility.Metrics;
using TorchSharp;

namespace Fragility.Tests.Metrics;

public class TopKIntersectionTests
{
    // 2x3 maps. S0: three pixels tie at 3 for the second place; the lower index (1) wins.
    private static readonly float[] S0 = [5, 3, 3, 3, 1, 0];
    private static readonly float[] S1 = [0, 3, 3, 3, 9, 0];

    [Fact]
    public void TopIndices_TiesAtBoundary_TakeLowerIndexFirst()
    {
        Assert.Equal([0, 1], TopKIntersection.TopIndices(S0, 2));
        Assert.Equal([4, 1], TopKIntersection.TopIndices(S1, 2));
        Assert.Equal([4, 1, 2, 3, 0], TopKIntersection.TopIndices(S1, 5));
    }

    [Theory]
    [InlineData(1, 0.0)]        // {0} vs {4}
    [InlineData(2, 0.5)]        // {0,1} vs {4,1}
    [InlineData(3, 2.0 / 3)]    // {0,1,2} vs {4,1,2}
    [InlineData(4, 3.0 / 4)]    // {0,1,2,3} vs {4,1,2,3}
    [InlineData(6, 1.0)]        // every pixel
    public void Compare_HandComputedSets(int k, double expected)
    {
        Assert.Equal(expected, new TopKIntersection(k).Compare(S0, S1, 2, 3), 12);
    }

    [Fact]
    public void Compare_KLargerThanPixelCount_ThrowsNamingBoth()
    {
        var ex = Assert.Throws<FragilityException>(() => new TopKIntersection(7).Compare(S0, S1, 2, 3));
        Assert.Contains("k = 7", ex.Message);
        Assert.Contains("H*W = 6", ex.Message);
        Assert.Throws<FragilityException>(() => new TopKIntersection(0));
    }

    [Fact]
    public void Compare_ConstantMaps_UseRowMajorOrderForTies()
    {
        float[] flat = [2, 2, 2, 2, 2, 2];
        float[] zero = [0, 0, 0, 0, 0, 0];
        Assert.Equal(1.0, new TopKIntersection(3).Compare(flat, zero, 2, 3));
        float[] bottomRight = [0, 0, 0, 1, 1, 1];
        Assert.Equal(0.0, new TopKIntersection(3).Compare(flat, bottomRight, 2, 3));
    }

    [Fact]
    public void Compare_BadShapes_ThrowArgumentException()
    {
        var m = new TopKIntersection(2);
        Assert.Throws<ArgumentException>(() => m.Compare(S0, S1.AsSpan(0, 5), 2, 3));
        Assert.Throws<ArgumentException>(() => m.Compare(S0, S1, 3, 3));
        Assert.Throws<ArgumentException>(() => m.Compare([float.NaN, 1, 2, 3, 4, 5], S1, 2, 3));
    }

    [Theory]
    [InlineData(32, 32, 100)]
    [InlineData(224, 224, 1000)]
    [InlineData(227, 227, 1000)]
    [InlineData(28, 28, 78)]     // floor(0.10 * 784)
    [InlineData(64, 64, 409)]    // floor(0.10 * 4096)
    [InlineData(100, 100, 200)]  // floor(0.02 * 10000)
    [InlineData(3, 3, 1)]        // floor(0.9) raised to 1
    public void DefaultK_FollowsPaperAndFractionRule(int h, int w, int expected)
    {
        Assert.Equal(expected, TopKIntersection.DefaultK(h, w));
    }

    [Fact]
    public void Batch_AgreesWithSpanVersion_OnRandomMapsWithTies()
    {
        var rng = new Random(11);
        const int n = 6, h = 28, w = 28, p = h * w;
        var a = new float[n][];
        var b = new float[n][];
        for (int i = 0; i < n; i++)
        {
            a[i] = MapSamples.WithTies(rng, p, 4 + i);   // heavy ties at every boundary
            b[i] = i % 2 == 0 ? MapSamples.WithTies(rng, p, 5) : MapSamples.Continuous(rng, p);
        }
        using var ta = torch.tensor(a.SelectMany(x => x).ToArray(), [n, p]);
        using var tb = torch.tensor(b.SelectMany(x => x).ToArray(), [n, p]);
        foreach (int k in new[] { 1, 78, 200, 500, p })
        {
            var batch = TopKIntersection.Batch(ta, tb, k);
            for (int i = 0; i < n; i++)
                Assert.Equal(new TopKIntersection(k).Compare(a[i], b[i], h, w), batch[i], 12);
        }
    }

    [Fact]
    public void TopKMask_SelectsExactlyKWithLowerIndexTieRule()
    {
        using var maps = torch.tensor(S0.Concat(S1).ToArray(), [2, 6]);
        using var mask = TopKIntersection.TopKMask(maps, 2);
        Assert.Equal([true, true, false, false, false, false, false, true, false, false, true, false], mask.data<bool>().ToArray());
    }

    [Fact]
    public void Batch_BadArguments_ThrowBeforeNativeCode()
    {
        using var a = torch.rand(2, 6);
        using var b = torch.rand(2, 5);
        Assert.Throws<FragilityException>(() => TopKIntersection.Batch(a, a, 7));
        Assert.Throws<ArgumentException>(() => TopKIntersection.Batch(a, b, 2));
    }
}
