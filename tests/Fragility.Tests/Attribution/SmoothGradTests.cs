using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

public class SmoothGradTests
{
    /// <summary>Two class scores of a flattened input v: s0 = v^T A v / 2 and s1 = -s0, with A symmetric.</summary>
    private sealed class QuadraticScores : nn.Module<Tensor, Tensor>
    {
        // A (frozen) parameter, so that the model's dtype check sees float64.
        private readonly TorchSharp.Modules.Parameter _a;

        public QuadraticScores(Tensor a) : base("quadratic")
        {
            _a = new TorchSharp.Modules.Parameter(a.clone(), requires_grad: false); // Parameter takes over the handle it is given
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var v = input.flatten(1);
            using var s = (v.matmul(_a) * v).sum(1) * 0.5;
            return torch.stack([s, -s], 1);
        }
    }

    private static (Classifier Model, Tensor A) Quadratic(int seed)
    {
        using var g = new torch.Generator((ulong)seed);
        using var m = torch.randn([16, 16], dtype: ScalarType.Float64, generator: g);
        var a = (m + m.t()) * 0.5;
        return (TestModels.Wrap(new QuadraticScores(a), 1, 4, 4, 2, mean: 0.0, std: 1.0), a);
    }

    [Fact]
    public void OnALinearScore_SmoothGradEqualsTheGradient()
    {
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(144, 3)));
        using var model = TestModels.Wrap(net, 1, 12, 12, 3);
        using var x = TestModels.Inputs(2, 51);
        using var target = TestModels.Predicted(model, x);
        using var smooth = new SmoothGrad(samples: 10, seed: 3).Attribute(model, x, target);
        using var g = new SimpleGradient().Attribute(model, x, target);
        Assert.True(smooth.allclose(g, 0, 1e-14));
    }

    [Fact]
    public void OnAQuadraticScore_SmoothGradIsAAppliedToTheMeanNoisyInput_AndApproachesAx()
    {
        var (model, a) = Quadratic(52);
        using var _ = model;
        using var __ = a;
        using var x = TestModels.Inputs(1, 53, size: 4);
        using var target = torch.tensor(new long[] { 0 });
        var method = new SmoothGrad(samples: 400, seed: 7, internalBatchSize: 64);
        using var smooth = method.Attribute(model, x, target);
        using var noise = method.DrawNoise(x);
        // grad s0 (v) = A v, so the mean over samples is exactly A (x + mean noise).
        using var exact = (x + noise.mean([0])).flatten(1).matmul(a).reshape(x.shape);
        Assert.True(smooth.allclose(exact, 1e-12, 1e-12));
        // E[A (x + n)] = A x: each component within 5 standard errors sigma |A_row| / sqrt(S).
        using var ax = x.flatten(1).matmul(a).reshape(-1);
        using var rowNorms = a.norm(1, keepdim: false);
        double sigma = SmoothGrad.DefaultSigma255 / 255;
        var diff = (smooth.reshape(-1) - ax).abs().data<double>().ToArray();
        var bound = (rowNorms * (5 * sigma / Math.Sqrt(400))).data<double>().ToArray();
        for (int i = 0; i < diff.Length; i++) Assert.True(diff[i] < bound[i], $"component {i}: |SmoothGrad - Ax| = {diff[i]}, 5 standard errors = {bound[i]}");
        // SmoothGrad-squared is the mean of the squared gradients at the same samples.
        using var squared = new SmoothGrad(samples: 400, seed: 7, squared: true).Attribute(model, x, target);
        using var perSample = (x.unsqueeze(0) + noise).reshape(400, 16).matmul(a).square().mean([0]).reshape(x.shape);
        Assert.True(squared.allclose(perSample, 1e-12, 1e-12));
    }

    [Fact]
    public void Noise_IsDeterministicForASeed_AndCanBeFixed()
    {
        var (model, a) = Quadratic(54);
        using var _ = model;
        using var __ = a;
        using var x = TestModels.Inputs(2, 55, size: 4);
        using var target = torch.tensor(new long[] { 0, 1 });
        var method = new SmoothGrad(samples: 5, seed: 11);
        using var n1 = method.DrawNoise(x);
        using var n2 = method.DrawNoise(x);
        using var other = new SmoothGrad(samples: 5, seed: 12).DrawNoise(x);
        Assert.True(n1.allclose(n2, 0, 0));
        Assert.False(n1.allclose(other));
        Assert.Equal(new long[] { 5, 2, 1, 4, 4 }, n1.shape);
        using var drawn = method.Attribute(model, x, target);
        using var fixedNoise = method.WithNoise(n1).Attribute(model, x, target);
        Assert.True(drawn.allclose(fixedNoise, 0, 1e-14));
        using var zero = torch.zeros_like(n1);
        using var noNoise = method.WithNoise(zero).Attribute(model, x, target);
        using var g = new SimpleGradient().Attribute(model, x, target);
        Assert.True(noNoise.allclose(g, 0, 1e-14));
        using var wrong = torch.zeros([5, 3, 1, 4, 4], dtype: ScalarType.Float64);
        Assert.Throws<FragilityException>(() => method.WithNoise(wrong).Attribute(model, x, target));
    }
}
