using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Attribution;
using Fragility.Training;
using Fragility.Training.Regularisers;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Defences;

/// <summary>Each regulariser's weight gradient (what training follows) against a central float64 finite difference
/// of the penalty along a random direction in weight space, on a small ReLU CNN.</summary>
public class RegulariserGradientTests : OneTorchThread
{
    private static Classifier Model() => TestModels.HeInit(TestModels.ReluCnn(31), 32);

    private static (Tensor X, Tensor Y) Batch(Classifier model)
    {
        var x = TestModels.Inputs(3, 33);
        return (x, torch.tensor(new long[] { 0, 2, 1 }));
    }

    /// <summary>Directional derivative of P along a random weight direction u: autograd (sum of grad . u) and the
    /// central difference (P(theta + h u) - P(theta - h u)) / 2h, with P re-made by <paramref name="make"/> each time
    /// (so random draws repeat).</summary>
    private static (double Autograd, double FiniteDifference) Directional(Func<ITrainingRegulariser> make, double h = 1e-6)
    {
        using var model = Model();
        model.train();
        var (x, y) = Batch(model);
        using var _x = x;
        using var _y = y;
        var parameters = model.parameters().ToArray();
        using var g = new torch.Generator(77);
        var directions = parameters.Select(p => torch.randn(p.shape, dtype: p.dtype, generator: g)).ToArray();
        double Evaluate()
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            using var logits = model.forward(x);
            return make().Penalty(model, x, y, logits).item<double>();
        }
        double analytic;
        using (var scope = torch.NewDisposeScope())
        {
            var logits = model.forward(x);
            var penalty = make().Penalty(model, x, y, logits);
            Assert.True(penalty.requires_grad, "the penalty must depend on the weights");
            var grads = torch.autograd.grad([penalty], parameters, allow_unused: true);
            analytic = 0;
            for (int i = 0; i < parameters.Length; i++)
                if (!grads[i].IsInvalid) analytic += (grads[i] * directions[i]).sum().item<double>();
        }
        void Shift(double s)
        {
            using var noGrad = torch.no_grad();
            for (int i = 0; i < parameters.Length; i++) parameters[i].add_(directions[i] * s);
        }
        Shift(h);
        double plus = Evaluate();
        Shift(-2 * h);
        double minus = Evaluate();
        Shift(h);
        foreach (var d in directions) d.Dispose();
        return (analytic, (plus - minus) / (2 * h));
    }

    private static void AssertClose((double Autograd, double FiniteDifference) r, double relative = 1e-5)
    {
        Assert.True(Math.Abs(r.Autograd) > 1e-8, $"degenerate check: directional derivative {r.Autograd}");
        Assert.True(Math.Abs(r.Autograd - r.FiniteDifference) <= relative * Math.Abs(r.FiniteDifference) + 1e-10,
            $"autograd {r.Autograd:R} vs finite difference {r.FiniteDifference:R}");
    }

    [Fact]
    public void WeightDecay_GradientMatchesFiniteDifference() => AssertClose(Directional(() => new WeightDecayPenalty(0.3)));

    [Fact]
    public void InputGradientPenalty_GradientMatchesFiniteDifference() => AssertClose(Directional(() => new InputGradientPenalty(0.7)));

    [Fact]
    public void CurvaturePenalty_RandomDirection_GradientMatchesFiniteDifference() =>
        AssertClose(Directional(() => new CurvaturePenalty(2.0, CurvatureDirection.Random, step255: 8, seed: 4)));

    [Fact]
    public void CurvaturePenalty_AttackDirection_GradientMatchesFiniteDifference() =>
        AssertClose(Directional(() => new CurvaturePenalty(2.0, CurvatureDirection.Attack, step255: 8)));

    [Fact]
    public void HessianPenalty_GradientMatchesFiniteDifference() =>
        AssertClose(Directional(() => new HessianNormPenalty(5.0, beta: 2, samples: 2, seed: 6)));

    [Fact]
    public void PgdAdversarialTraining_GradientMatchesFiniteDifference() =>
        AssertClose(Directional(() => new PgdAdversarialTraining(1.0, epsilon255: 8, steps: 3, seed: 8)));

    [Fact]
    public void CurvaturePenalty_IsTheSquaredHessianVectorProduct_ForSmallSteps_OnASmoothNetwork()
    {
        // On a softplus network, ||grad(x + h v) - grad(x)||^2 / (h^2 d) -> ||H v||^2 / d as h -> 0: the finite
        // difference and the Hutchinson term with the same v agree.
        using var model = TestModels.SmoothCnn(35);
        using var x = TestModels.Inputs(2, 36);
        using var y = torch.tensor(new long[] { 1, 2 });
        using var g = new torch.Generator(5);
        using var v = torch.randint(0, 2, x.shape, dtype: ScalarType.Float64, generator: g) * 2 - 1;
        using var fd = new CurvaturePenalty(1.0, step255: 1e-4).PenaltyAlong(model, x, y, v);
        using var probes = v.unsqueeze(0);
        using var hv = new HessianNormPenalty(1.0, beta: 1.0).PenaltyAlong(model, x, y, probes);
        double a = fd.item<double>(), b = hv.item<double>();
        Assert.True(b > 0, "the Hessian term of a softplus network must be positive");
        Assert.True(Math.Abs(a - b) < 1e-3 * b, $"finite difference {a} vs Hessian-vector {b}");
    }

    [Fact]
    public void Penalties_DoNotTouchTheWeightGradients_BeforeBackward()
    {
        using var model = Model();
        var (x, y) = Batch(model);
        using var _x = x;
        using var _y = y;
        using var logits = model.forward(x);
        using var p = new PgdAdversarialTraining(1.0, steps: 2).Penalty(model, x, y, logits);
        Assert.All(model.parameters(), q => Assert.True(q.grad is null || q.grad.abs().sum().item<double>() == 0));
    }

    [Fact]
    public void Factory_ParsesSettings_AndRefusesUnknownOnes()
    {
        var c = Assert.IsType<CurvaturePenalty>(TrainingRegularisers.Create("curvature:direction=attack,h=4", 0.5));
        Assert.Equal(CurvatureDirection.Attack, c.Direction);
        Assert.Equal(4, c.Step255);
        var p = Assert.IsType<PgdAdversarialTraining>(TrainingRegularisers.Create("pgd:eps=4,steps=2", 1));
        Assert.Equal(5, p.Step255);   // 2.5 * eps / steps
        Assert.IsType<InputGradientPenalty>(TrainingRegularisers.Create("double-backprop", 1));
        Assert.Contains("unknown setting", Assert.Throws<FragilityException>(() => TrainingRegularisers.Create("hessian:bta=3", 1)).Message);
        Assert.Contains("Unknown regulariser", Assert.Throws<FragilityException>(() => TrainingRegularisers.Create("dropout", 1)).Message);
        Assert.Contains("--lambda", Assert.Throws<FragilityException>(() => TrainingRegularisers.Create("weight_decay", -1)).Message);
        Assert.Contains("bound", Assert.Throws<FragilityException>(() => TrainingRegularisers.Create("spectral", 0)).Message);
    }
}
