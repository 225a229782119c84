using Fragility.Attribution;
using Fragility.Defences;
using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Defences;

/// <summary>The explanation-side defences against closed forms.</summary>
public class SmoothingDefenceTests : OneTorchThread
{
    /// <summary>Class scores of a flattened 4x4 input v: s0 = v^T A v / 2, s1 = -s0 (A symmetric), so grad s0 = A v.</summary>
    private sealed class QuadraticScores : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Parameter _a;

        public QuadraticScores(Tensor a) : base("quadratic")
        {
            _a = new TorchSharp.Modules.Parameter(a.clone(), requires_grad: false);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var v = input.flatten(1);
            using var s = (v.matmul(_a) * v).sum(1) * 0.5;
            return torch.stack([s, -s], 1);
        }
    }

    [Fact]
    public void SmoothGradSquared_ConvergesToTheClosedFormExpectation_OnAQuadraticScore()
    {
        // The model normalises by std = 0.35, so with v = x / std: grad_x s0(x + n) = c (A x + A n), c = 1 / std^2, and
        // n ~ N(0, sigma^2 I) in pixel units. E[(grad_i)^2] = c^2 ((A x)_i^2 + sigma^2 sum_j A_ij^2), SmoothGrad's mean
        // E[grad] = c A x. Noise added in normalised units instead would give a noise term c^2 std^2 smaller by 0.12.
        // Both within 5 standard errors of S = 2000 samples.
        using var g = new torch.Generator(61);
        using var m = torch.randn([16, 16], dtype: ScalarType.Float64, generator: g);
        using var a = (m + m.t()) * 0.5;
        const double std = 0.35, c = 1 / (std * std);
        using var model = TestModels.Wrap(new QuadraticScores(a), 1, 4, 4, 2, mean: 0.0, std: std);
        using var x = TestModels.Inputs(1, 62, size: 4);
        using var target = torch.tensor(new long[] { 0 });
        const int samples = 2000;
        double sigma = 0.4;
        var defence = ExplanationDefence.Parse("smoothgrad_sq:n=2000,sigma=102");   // 102/255 = 0.4
        var method = defence.Apply(model, new SimpleGradient())!;
        using var squared = method.Attribute(model, x, target).reshape(-1);
        using var ax = x.flatten(1).matmul(a).reshape(-1) * c;
        using var rowSquares = a.square().sum(1) * (c * c);
        using var expected = ax.square() + rowSquares * (sigma * sigma);
        // Var[(ax_i + z)^2] for z ~ N(0, s^2), s^2 = sigma^2 |A_i|^2 c^2: 4 ax_i^2 s^2 + 2 s^4.
        using var s2 = rowSquares * (sigma * sigma);
        using var stderr = (ax.square() * s2 * 4 + s2.square() * 2).sqrt() / Math.Sqrt(samples);
        var diff = (squared - expected).abs().data<double>().ToArray();
        var bound = (stderr * 5).data<double>().ToArray();
        for (int i = 0; i < 16; i++) Assert.True(diff[i] < bound[i], $"pixel {i}: |SG^2 - closed form| = {diff[i]}, 5 standard errors {bound[i]}");
        // The bias term sigma^2 |A_i|^2 separates SmoothGrad-squared from (A x)^2: without it most pixels would fail.
        var noBias = (squared - ax.square()).abs().data<double>().ToArray();
        Assert.True(Enumerable.Range(0, 16).Count(i => noBias[i] > bound[i]) >= 8, "the check must be able to see the sigma^2 term");
        // Noise in normalised units would shrink that term by std^2: it must be distinguishable too.
        using var wrongUnits = ax.square() + rowSquares * (sigma * sigma * std * std);
        var wrong = (squared - wrongUnits).abs().data<double>().ToArray();
        Assert.True(Enumerable.Range(0, 16).Count(i => wrong[i] > bound[i]) >= 8, "the check must tell pixel-unit noise from normalised-unit noise");

        var plain = ExplanationDefence.Parse("smoothgrad:n=2000,sigma=102").Apply(model, new SimpleGradient())!;
        using var mean = plain.Attribute(model, x, target).reshape(-1);
        using var meanBound = rowSquares.sqrt() * (5 * sigma / Math.Sqrt(samples));
        Assert.True((mean - ax).abs().le(meanBound).all().item<bool>(), "SmoothGrad must approach c A x");
    }

    [Fact]
    public void BetaSmoothedMap_IsTheSoftplusTwinsGradient_InClosedForm()
    {
        // score_0 = v . softplus_beta(W x + b): its gradient is W^T (v * sigmoid(beta (W x + b))).
        torch.manual_seed(63);
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(16, 5)), ("2", new SwitchableActivation()), ("3", nn.Linear(5, 2)));
        using var model = TestModels.Wrap(net, 1, 4, 4, 2, mean: 0.0, std: 1.0);
        using var x = TestModels.Inputs(3, 64, size: 4);
        using var target = torch.tensor(new long[] { 0, 1, 0 });
        const double beta = 2.5;
        var method = ExplanationDefence.Parse("beta:2.5").Apply(model, new SimpleGradient())!;
        Assert.IsType<BetaSmoothed>(method);
        Assert.False(method.NeedsSmoothTwinForAttack);
        using var map = method.Attribute(model, x, target);
        var layers = net.children().OfType<TorchSharp.Modules.Linear>().ToArray();
        using var z = x.flatten(1).matmul(layers[0].weight!.t()) + layers[0].bias!;
        using var v = layers[1].weight!.index_select(0, target);                     // [3, 5]
        using var expected = (v * torch.sigmoid(z * beta)).matmul(layers[0].weight!).reshape(x.shape);
        Assert.True(map.allclose(expected, 1e-10, 1e-12));
        Assert.Equal(ActivationMode.Relu, model.ActivationMode);   // restored
        // The ReLU network's own map is different (a step instead of a sigmoid).
        using var relu = new SimpleGradient().Attribute(model, x, target);
        Assert.False(relu.allclose(expected, 1e-6, 1e-8));
    }

    [Fact]
    public void JitterAverage_OfGradientTimesInput_OnALinearScore_IsTheInputTimesTheBoxFilteredWeights()
    {
        // With score w . s on the shifted input s (s(p) = x(p - d)), pixel p of x sits at p + d and gets
        // w(p + d) x(p); averaged over the 9 shifts d it is x(p) * (1/9) sum_{d: p + d inside} w(p + d).
        torch.manual_seed(65);
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(25, 2)));
        using var model = TestModels.Wrap(net, 1, 5, 5, 2, mean: 0.0, std: 1.0);
        using var x = TestModels.Inputs(2, 66, size: 5);
        using var target = torch.tensor(new long[] { 1, 0 });
        var method = ExplanationDefence.Parse("jitter:1").Apply(model, new GradientTimesInput(ZeroReference.Instance))!;
        using var map = method.Attribute(model, x, target);
        var w = ((TorchSharp.Modules.Linear)net.children().Last()).weight!.detach().to(ScalarType.Float64).data<double>().ToArray();
        var xs = x.data<double>().ToArray();
        var got = map.data<double>().ToArray();
        var t = new[] { 1, 0 };
        for (int n = 0; n < 2; n++)
            for (int r = 0; r < 5; r++)
                for (int c = 0; c < 5; c++)
                {
                    double sum = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int rr = r + dy, cc = c + dx;
                            if (rr is >= 0 and < 5 && cc is >= 0 and < 5) sum += w[t[n] * 25 + rr * 5 + cc];
                        }
                    double expected = xs[n * 25 + r * 5 + c] * sum / 9;
                    Assert.Equal(expected, got[n * 25 + r * 5 + c], 12);
                }
    }

    [Fact]
    public void Defences_ApplyOnlyWhereTheyMeanSomething_AndNameTheirAdaptiveAttack()
    {
        using var model = AttackTestModels.Trained();
        var ig = new IntegratedGradients(10);
        Assert.Null(ExplanationDefence.Parse("ig_steps:50").Apply(model, new SimpleGradient()));
        var more = Assert.IsType<IntegratedGradients>(ExplanationDefence.Parse("ig_steps:50").Apply(model, ig));
        Assert.Equal(50, more.Steps);
        var blur = Assert.IsType<IntegratedGradients>(ExplanationDefence.Parse("ig_reference:blur").Apply(model, ig));
        Assert.StartsWith("blur", blur.Reference.Name);
        Assert.Null(ExplanationDefence.Parse("beta:2").Apply(model, new DeepLift(ZeroReference.Instance)));
        Assert.Null(ExplanationDefence.Parse("smoothgrad").Apply(model, new SmoothGrad()));
        Assert.Contains("same 50 noise samples", ExplanationDefence.Parse("smoothgrad").AdaptiveAttack);
        Assert.Equal("smoothgrad(n=16,sigma=30)", ExplanationDefence.Parse("smoothgrad:n=16,sigma=30").Name);
        Assert.Contains("Unknown defence", Assert.Throws<FragilityException>(() => ExplanationDefence.Parse("dropout")).Message);
        Assert.Contains("number", Assert.Throws<FragilityException>(() => ExplanationDefence.Parse("beta:x")).Message);
        Assert.Contains("positive", Assert.Throws<FragilityException>(() => ExplanationDefence.Parse("beta:-1")).Message);
    }
}
