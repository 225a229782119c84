using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

public class IntegratedGradientsTests(ITestOutputHelper output)
{
    private static double MeanRelativeError(Classifier model, Tensor x, Tensor target, IReference reference, int steps, IntegrationRule rule)
    {
        var ig = new IntegratedGradients(steps, rule, reference, internalBatchSize: 64);
        using var a = ig.Attribute(model, x, target);
        return ig.CompletenessError(model, x, target, a).Relative.Average();
    }

    [Fact]
    public void CompletenessError_ShrinksWithSteps_OnAReluNetwork_AndIsBelowOnePercentAtM100()
    {
        // He-initialised weights: scores move by order one between x and r, as in a trained network.
        using var model = TestModels.HeInit(TestModels.ReluCnn(1), 1);
        using var x = TestModels.Inputs(8, 21);
        using var target = TestModels.Predicted(model, x);
        using var reference = TestModels.RandomMeanReference(22);
        var ig100 = new IntegratedGradients(100, IntegrationRule.RiemannRight, reference, internalBatchSize: 64);
        using var a100 = ig100.Attribute(model, x, target);
        var error100 = ig100.CompletenessError(model, x, target, a100);
        Assert.All(error100.ScoreDifference, d => Assert.True(Math.Abs(d) > 0.5, $"score difference {d} too small for a meaningful check"));
        var errors = new[] { 10, 50, 200 }.Select(m => MeanRelativeError(model, x, target, reference, m, IntegrationRule.RiemannRight)).ToArray();
        double trapezoid50 = MeanRelativeError(model, x, target, reference, 50, IntegrationRule.Trapezoid);
        output.WriteLine($"riemann_right mean relative error at M=10, 50, 100, 200: {errors[0]:E2}, {errors[1]:E2}, {error100.Relative.Average():E2}, {errors[2]:E2}; worst at M=100 {error100.MaxRelative:E2}; trapezoid M=50 {trapezoid50:E2}");
        Assert.True(errors[0] > errors[1] && errors[1] > error100.Relative.Average() && error100.Relative.Average() > errors[2], "error must shrink as M grows");
        Assert.True(error100.Relative.Average() < 0.01, $"mean error at M = 100 is {error100.Relative.Average():P2}, should be below 1%");
        Assert.True(trapezoid50 < errors[2], "the trapezoid rule with 50 points should beat the right Riemann sum with 200");
    }

    [Fact]
    public void TrapezoidMidpointAndGaussLegendre_BeatTheRiemannSum_WithFarFewerPoints_OnASmoothNetwork()
    {
        using var model = TestModels.HeInit(TestModels.SmoothCnn(4), 4);
        using var x = TestModels.Inputs(4, 23);
        using var target = TestModels.Predicted(model, x);
        using var reference = TestModels.RandomMeanReference(24);
        double right200 = MeanRelativeError(model, x, target, reference, 200, IntegrationRule.RiemannRight);
        double trapezoid20 = MeanRelativeError(model, x, target, reference, 20, IntegrationRule.Trapezoid);
        double middle20 = MeanRelativeError(model, x, target, reference, 20, IntegrationRule.RiemannMiddle);
        double gauss6 = MeanRelativeError(model, x, target, reference, 6, IntegrationRule.GaussLegendre);
        output.WriteLine($"riemann_right M=200 {right200:E2}, trapezoid M=20 {trapezoid20:E2}, riemann_middle M=20 {middle20:E2}, gausslegendre M=6 {gauss6:E2}");
        Assert.True(trapezoid20 < right200);
        Assert.True(middle20 < right200);
        Assert.True(gauss6 < right200 / 10);
    }

    [Fact]
    public void Batching_DoesNotChangeTheResult_AndDescriptionNamesTheRule()
    {
        using var model = TestModels.ReluCnn(5);
        using var x = TestModels.Inputs(3, 25);
        using var target = TestModels.Predicted(model, x);
        using var one = new IntegratedGradients(7, IntegrationRule.GaussLegendre, internalBatchSize: 1).Attribute(model, x, target);
        using var many = new IntegratedGradients(7, IntegrationRule.GaussLegendre, internalBatchSize: 5).Attribute(model, x, target);
        Assert.True(one.allclose(many, 0, 1e-13));
        Assert.Equal("ig(gausslegendre, M=7, reference=zero)", new IntegratedGradients(7, IntegrationRule.GaussLegendre).Description);
        Assert.Equal("ig", new IntegratedGradients().Name);
    }

    [Fact]
    public void OnALinearModel_IntegratedGradientsEqualsGradientTimesDifference()
    {
        using var model = TestModels.LinearCnn(6);
        using var x = TestModels.Inputs(2, 26);
        using var target = TestModels.Predicted(model, x);
        using var reference = TestModels.RandomMeanReference(27);
        using var ig = new IntegratedGradients(3, IntegrationRule.RiemannRight, reference).Attribute(model, x, target);
        using var gx = new GradientTimesInput(reference).Attribute(model, x, target);
        Assert.True(ig.allclose(gx, 0, 1e-13));
    }
}
