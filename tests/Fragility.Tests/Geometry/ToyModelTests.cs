using Fragility.Geometry;
using Fragility.Tests.Attacks;

namespace Fragility.Tests.Geometry;

/// <summary>The toy model of dimension scaling against its closed forms.</summary>
public sealed class ToyModelTests : OneTorchThread
{
    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    [InlineData(100000)]
    public void RankOneToy_MatchesTheExactFormula_AndItsRankingNeverChanges(int dimension)
    {
        var t = ToyModel.Measure(dimension, 8 / 255.0, 0.01, hidden: 1, seed: 3);
        Assert.True(Math.Abs(t.RelativeChange - t.Exact) <= 1e-9 * t.Exact, $"autograd {t.RelativeChange}, closed form {t.Exact}");
        Assert.Equal(1.0, t.TopKIntersection);
        Assert.Equal(1.0, t.Spearman, 12);
        // First order at z0 = 0: |g''/g'| eps ||w||_1 = eps ||w||_1 / 2.
        Assert.Equal(0.5 * 8 / 255.0 * t.WeightL1, t.FirstOrder, 9);
    }

    [Fact]
    public void AtSmallEpsilon_TheMeasuredChangeIsTheFirstOrderPrediction()
    {
        foreach (int hidden in new[] { 1, 4 })
        {
            var t = ToyModel.Measure(200, 1e-4, 0.05, hidden, seed: 5);
            Assert.True(t.FirstOrder < 1e-2, $"not a small step: {t.FirstOrder}");
            Assert.True(Math.Abs(t.RelativeChange - t.FirstOrder) <= 1e-2 * t.FirstOrder, $"m = {hidden}: measured {t.RelativeChange}, first order {t.FirstOrder}");
        }
    }

    [Fact]
    public void FirstOrderChange_GrowsLinearlyWithTheDimension()
    {
        double small = ToyModel.ExpectedFirstOrder(100, 0.03, 0.01), large = ToyModel.ExpectedFirstOrder(10000, 0.03, 0.01);
        Assert.Equal(100, large / small, 9);
        // The drawn ||w||_1 is close to its expectation d s sqrt(2/pi) in high dimension.
        var t = ToyModel.Measure(100000, 0.03, 0.01, seed: 7);
        Assert.True(Math.Abs(t.WeightL1 / (100000 * 0.01 * Math.Sqrt(2 / Math.PI)) - 1) < 0.01, $"||w||_1 = {t.WeightL1}");
    }
}
