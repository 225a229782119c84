using Fragility.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

public class ReferenceTests
{
    [Fact]
    public void BlurredReference_OfAnImpulse_IsTheOuterProductOfTheGaussian()
    {
        const double sigma = 1.5;
        var blur = new BlurredReference(sigma);
        Assert.Equal(5, blur.Radius);
        using var x = torch.zeros(1, 1, 15, 15, dtype: ScalarType.Float64);
        x[0, 0, 7, 7] = 1.0;
        using var b = blur.For(x);
        // Hand-computed 1-D Gaussian exp(-t^2 / 2 sigma^2), t = -5..5, normalised.
        var k = Enumerable.Range(-5, 11).Select(t => Math.Exp(-t * t / (2 * sigma * sigma))).ToArray();
        double s = k.Sum();
        for (int i = 0; i < 15; i++)
            for (int j = 0; j < 15; j++)
            {
                int di = i - 7, dj = j - 7;
                double expected = Math.Abs(di) <= 5 && Math.Abs(dj) <= 5 ? k[di + 5] * k[dj + 5] / (s * s) : 0;
                Assert.Equal(expected, b[0, 0, i, j].item<double>(), 12);
            }
    }

    [Fact]
    public void BlurredReference_KeepsConstantImages_PerChannel_AndIsDifferentiable()
    {
        using var x = torch.ones(2, 3, 8, 8, dtype: ScalarType.Float64) * torch.tensor(new[] { 0.2, 0.5, 0.9 }, dtype: ScalarType.Float64).reshape(1, 3, 1, 1);
        using var b = new BlurredReference(4.0).For(x);
        Assert.True(b.allclose(x, 0, 1e-12));
        using var leaf = x.clone().requires_grad_(true);
        using var y = new BlurredReference(1.0).For(leaf).sum();
        Assert.True(y.requires_grad);
        Assert.Throws<FragilityException>(() => new BlurredReference(0));
    }

    [Fact]
    public void MeanImageReference_BroadcastsPerChannelMeans_AndRejectsWrongSizes()
    {
        using var perChannel = torch.tensor(new[] { 0.1, 0.2, 0.3 }, dtype: ScalarType.Float64).reshape(3, 1, 1);
        using var reference = new MeanImageReference(perChannel);
        using var x = torch.rand(2, 3, 5, 5, dtype: ScalarType.Float64);
        using var r = reference.For(x);
        Assert.Equal(x.shape, r.shape);
        Assert.Equal(0.3, r[1, 2, 4, 0].item<double>(), 15);
        using var wrong = torch.rand(2, 1, 5, 5, dtype: ScalarType.Float64);
        Assert.Throws<FragilityException>(() => reference.For(wrong));
        using var flat = torch.rand(5, 5);
        Assert.Throws<FragilityException>(() => new MeanImageReference(flat));
        using var zero = ZeroReference.Instance.For(x);
        Assert.Equal(0.0, zero.abs().sum().item<double>());
    }
}
