using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

/// <summary>Double backpropagation: grad_x of D(x) = sum(w * map(x)) for a fixed random w, from createGraph, against
/// float64 central differences of D along random directions.</summary>
public class SecondOrderTests
{
    private static void AssertGradientOfMapMatchesFiniteDifference(IAttributionMethod method, Classifier model, Tensor x0, double h, int seed)
    {
        using var scope = torch.NewDisposeScope();
        var target = TestModels.Predicted(model, x0);
        using var g = new torch.Generator((ulong)seed);
        var w = torch.randn(x0.shape, dtype: ScalarType.Float64, generator: g);
        double D(Tensor z)
        {
            using var s = torch.NewDisposeScope();
            return (w * method.Attribute(model, z, target)).sum().item<double>();
        }
        var x = x0.detach().clone().requires_grad_(true);
        var map = method.Attribute(model, x, target, createGraph: true);
        // Checked before autograd.grad, which would abort the process on a detached graph.
        Assert.True(map.requires_grad, $"{method.Description}: the map lost its graph");
        var d = (w * map).sum();
        var grad = torch.autograd.grad([d], [x])[0];
        Assert.True(grad.norm().item<double>() > 1e-6, $"{method.Description}: the map does not depend on x");
        for (int k = 0; k < 3; k++)
        {
            var v = torch.randn(x0.shape, dtype: ScalarType.Float64, generator: g);
            v /= v.norm();
            double analytic = (grad * v).sum().item<double>();
            double numeric = TestModels.Directional(D, x0, v, h);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-5 * (Math.Abs(numeric) + 1e-3),
                $"{method.Description}, direction {k}: double backward {analytic}, finite difference {numeric}");
        }
    }

    private static Classifier SoftplusNetwork() => TestModels.HeInit(TestModels.SmoothCnn(61), 61);

    private static Classifier ReluNetwork() => TestModels.HeInit(TestModels.ReluCnn(62), 62);

    [Fact]
    public void GradientMethods_AreTwiceDifferentiable_OnTheSoftplusNetwork()
    {
        using var model = SoftplusNetwork();
        using var x = TestModels.Inputs(2, 63);
        using var reference = TestModels.RandomMeanReference(64);
        AssertGradientOfMapMatchesFiniteDifference(new SimpleGradient(), model, x, 1e-5, 1);
        AssertGradientOfMapMatchesFiniteDifference(new GradientTimesInput(reference), model, x, 1e-5, 2);
        AssertGradientOfMapMatchesFiniteDifference(new IntegratedGradients(4, IntegrationRule.RiemannRight, reference, internalBatchSize: 3), model, x, 1e-5, 3);
        AssertGradientOfMapMatchesFiniteDifference(new IntegratedGradients(3, IntegrationRule.GaussLegendre, new BlurredReference(1.0)), model, x, 1e-5, 4);
    }

    [Fact]
    public void SmoothGradWithFixedNoise_IsTwiceDifferentiable_OnTheSoftplusNetwork()
    {
        using var model = SoftplusNetwork();
        using var x = TestModels.Inputs(2, 65);
        var method = new SmoothGrad(samples: 4, seed: 5, internalBatchSize: 3);
        using var noise = method.DrawNoise(x);
        AssertGradientOfMapMatchesFiniteDifference(method.WithNoise(noise), model, x, 1e-5, 5);
        var squared = new SmoothGrad(samples: 3, seed: 6, squared: true);
        using var noise2 = squared.DrawNoise(x);
        AssertGradientOfMapMatchesFiniteDifference(squared.WithNoise(noise2), model, x, 1e-5, 6);
    }

    [Fact]
    public void DeepLift_IsDifferentiableOnTheReluNetworkItself_AwayFromKinks()
    {
        using var model = ReluNetwork();
        Assert.Equal(ActivationMode.Relu, model.ActivationMode);
        using var x = TestModels.Inputs(2, 66);
        using var reference = TestModels.RandomMeanReference(67);
        AssertGradientOfMapMatchesFiniteDifference(new DeepLift(reference), model, x, 1e-6, 7);
        AssertGradientOfMapMatchesFiniteDifference(new DeepLift(reference, MaxPoolMode.Gradient), model, x, 1e-6, 8);
        AssertGradientOfMapMatchesFiniteDifference(new DeepLift(new BlurredReference(1.0)), model, x, 1e-6, 9);
    }

    [Fact]
    public void RelevancePropagation_IsDifferentiableOnTheReluNetworkItself_AwayFromKinks()
    {
        using var model = ReluNetwork();
        using var x = TestModels.Inputs(2, 68);
        AssertGradientOfMapMatchesFiniteDifference(new DeepTaylor(), model, x, 1e-6, 10);
        AssertGradientOfMapMatchesFiniteDifference(new LrpEpsilon(), model, x, 1e-6, 11);
    }

    [Fact]
    public void PlainGradient_OnTheReluNetwork_HasNoSecondDerivative()
    {
        // Why attacks need the softplus twin for gradient methods (docs/method.md §4.3): the ReLU map is piecewise constant.
        using var model = ReluNetwork();
        using var x0 = TestModels.Inputs(1, 69);
        using var target = TestModels.Predicted(model, x0);
        using var x = x0.clone().requires_grad_(true);
        using var map = new SimpleGradient().Attribute(model, x, target, createGraph: true);
        using var d = (map * map).sum();
        Assert.True(d.requires_grad);
        using var grad = torch.autograd.grad([d], [x], allow_unused: true)[0];
        Assert.True(grad.IsInvalid || grad.abs().max().item<double>() < 1e-12);
    }
}
