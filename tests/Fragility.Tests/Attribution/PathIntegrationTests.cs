using Fragility.Attribution;

namespace Fragility.Tests.Attribution;

public class PathIntegrationTests
{
    [Fact]
    public void RiemannRight_IsThePapersPointsWithEqualWeights()
    {
        var (alphas, weights) = PathIntegration.Points(IntegrationRule.RiemannRight, 4);
        Assert.Equal(new[] { 0.25, 0.5, 0.75, 1.0 }, alphas);
        Assert.All(weights, w => Assert.Equal(0.25, w));
        var (left, _) = PathIntegration.Points(IntegrationRule.RiemannLeft, 4);
        Assert.Equal(new[] { 0.0, 0.25, 0.5, 0.75 }, left);
        var (mid, _) = PathIntegration.Points(IntegrationRule.RiemannMiddle, 4);
        Assert.Equal(new[] { 0.125, 0.375, 0.625, 0.875 }, mid);
    }

    [Theory]
    [InlineData(IntegrationRule.RiemannRight, 7)]
    [InlineData(IntegrationRule.RiemannLeft, 7)]
    [InlineData(IntegrationRule.RiemannMiddle, 7)]
    [InlineData(IntegrationRule.Trapezoid, 7)]
    [InlineData(IntegrationRule.GaussLegendre, 7)]
    public void Weights_SumToOne_AndNodesLieInTheUnitInterval(IntegrationRule rule, int m)
    {
        var (alphas, weights) = PathIntegration.Points(rule, m);
        Assert.Equal(m, alphas.Length);
        Assert.Equal(1.0, weights.Sum(), 12);
        Assert.All(alphas, a => Assert.InRange(a, 0.0, 1.0));
    }

    [Fact]
    public void Trapezoid_IsExactForLines_AndGaussLegendre_ForDegree2MMinus1()
    {
        static double Integrate(IntegrationRule rule, int m, Func<double, double> f)
        {
            var (a, w) = PathIntegration.Points(rule, m);
            return a.Select((t, i) => w[i] * f(t)).Sum();
        }
        Assert.Equal(0.5 * 3 + 2, Integrate(IntegrationRule.Trapezoid, 2, t => 3 * t + 2), 12);
        // Gauss-Legendre with 4 nodes integrates t^7 exactly (1/8) but not t^8 (1/9).
        Assert.Equal(1.0 / 8, Integrate(IntegrationRule.GaussLegendre, 4, t => Math.Pow(t, 7)), 12);
        Assert.NotEqual(1.0 / 9, Integrate(IntegrationRule.GaussLegendre, 4, t => Math.Pow(t, 8)), 8);
        Assert.Equal(1.0 / 2, Integrate(IntegrationRule.RiemannMiddle, 3, t => t), 12);
    }

    [Fact]
    public void Names_RoundTrip_AndBadInput_IsAClearError()
    {
        foreach (IntegrationRule rule in Enum.GetValues<IntegrationRule>())
            Assert.Equal(rule, PathIntegration.Parse(PathIntegration.NameOf(rule)));
        var e = Assert.Throws<FragilityException>(() => PathIntegration.Parse("simpson"));
        Assert.Contains("gausslegendre", e.Message);
        Assert.Throws<FragilityException>(() => PathIntegration.Points(IntegrationRule.Trapezoid, 1));
        Assert.Throws<FragilityException>(() => PathIntegration.Points(IntegrationRule.RiemannRight, 0));
    }
}
