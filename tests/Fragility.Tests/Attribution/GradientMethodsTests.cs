using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

public class GradientMethodsTests
{
    [Fact]
    public void SimpleGradient_EqualsCentralFiniteDifference_InFloat64()
    {
        using var model = TestModels.ReluCnn(1);
        model.SetActivation(ActivationMode.Softplus, 2.0);
        using var x = TestModels.Inputs(2, 11);
        using var target = TestModels.Predicted(model, x);
        using var g = new SimpleGradient().Attribute(model, x, target);
        Assert.False(g.requires_grad);
        // Every coordinate of the first image against a central difference of the class score.
        double ScoreOf(Tensor z) { using var s = Gradients.ClassScore(model, z, target); return s[0].item<double>(); }
        var flat = g[0].flatten().data<double>().ToArray();
        const double h = 1e-6;
        for (int p = 0; p < flat.Length; p += 7)
        {
            using var e = torch.zeros_like(x);
            e[0, 0, p / TestModels.Size, p % TestModels.Size] = 1.0;
            double fd = TestModels.Directional(ScoreOf, x, e, h);
            Assert.True(Math.Abs(fd - flat[p]) < 1e-7 + 1e-6 * Math.Abs(fd), $"pixel {p}: autograd {flat[p]}, finite difference {fd}");
        }
    }

    [Fact]
    public void GradientTimesInput_IsGradientTimesDifferenceToReference()
    {
        using var model = TestModels.ReluCnn(2);
        using var x = TestModels.Inputs(3, 12);
        using var target = TestModels.Predicted(model, x);
        using var g = new SimpleGradient().Attribute(model, x, target);
        using var plain = new GradientTimesInput().Attribute(model, x, target);
        Assert.True(plain.allclose(g * x, 0, 1e-15));
        using var reference = TestModels.RandomMeanReference(3);
        using var withMean = new GradientTimesInput(reference).Attribute(model, x, target);
        using var r = reference.For(x);
        Assert.True(withMean.allclose(g * (x - r), 0, 1e-15));
    }

    [Fact]
    public void BadTarget_IsAClearError_BeforeAnyNativeCall()
    {
        using var model = TestModels.ReluCnn(1);
        using var x = TestModels.Inputs(2, 1);
        using var target = torch.tensor(new long[] { 0, 7 });
        var e = Assert.Throws<FragilityException>(() => new SimpleGradient().Attribute(model, x, target));
        Assert.Contains("out of range", e.Message);
        using var x32 = x.to(ScalarType.Float32);
        using var ok = torch.tensor(new long[] { 0, 1 });
        var d = Assert.Throws<FragilityException>(() => new DeepLift().Attribute(model, x32, ok));
        Assert.Contains("dtype", d.Message);
    }
}
