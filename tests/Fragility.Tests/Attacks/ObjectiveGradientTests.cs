using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attacks;

public class ObjectiveGradientTests : OneTorchThread
{
    private const int Size = 8;

    private static IDissimilarityObjective Objective(string attack, Tensor cleanMaps) => attack switch
    {
        AttackNames.TopK => new TopKObjective(cleanMaps, 6),
        AttackNames.MassCenter => new MassCenterObjective(cleanMaps),
        AttackNames.Targeted => new TargetedObjective(TargetRegion.FromRectangle("0,0,3,4").ToMask(Size, Size)),
        _ => throw new ArgumentException(attack),
    };

    [Theory]
    [InlineData(AttackNames.TopK)]
    [InlineData(AttackNames.MassCenter)]
    [InlineData(AttackNames.Targeted)]
    public void ObjectiveGradient_MatchesFloat64CentralFiniteDifference_OnSoftplusTwin(string attack)
    {
        using var model = AttackTestModels.Tiny(seed: 3, size: Size);
        model.to(ScalarType.Float64);
        var method = new SimpleGradient();
        torch.manual_seed(4);
        using var x0 = torch.rand(2, 1, Size, Size, dtype: ScalarType.Float64).mul(0.8).add(0.1);
        using var clean = CleanReference.Compute(model, method, x0);
        using var objective = Objective(attack, clean.Maps);
        // A point away from x0, as after some attack steps.
        using var x = x0 + torch.rand_like(x0).sub(0.5).mul(0.05);
        var settings = new AttackSettings { Beta = 2.0, Iterations = 1 };
        var fragility = FragilityAttack.TopK(model, method, settings);
        using var g = fragility.ObjectiveGradient(x, clean.LabelTensor, objective);
        Assert.Equal(ActivationMode.Relu, model.ActivationMode);   // mode restored

        double D(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            using var twin = model.UseSoftplus(2.0);
            var maps = SaliencyMaps.FromAttribution(method.Attribute(model, input, clean.LabelTensor));
            return objective.Evaluate(maps).sum().item<double>();
        }

        var analytic = g.flatten().data<double>().ToArray();
        var flat = x.flatten();
        const double h = 1e-5;
        double worst = 0, scale = analytic.Max(Math.Abs);
        Assert.True(scale > 1e-8, "the objective's gradient should not vanish on the softplus twin");
        for (int i = 0; i < analytic.Length; i++)
        {
            using var e = torch.zeros_like(flat);
            e[i] = torch.tensor(h, dtype: ScalarType.Float64);
            using var plus = (flat + e).reshape(x.shape);
            using var minus = (flat - e).reshape(x.shape);
            double fd = (D(plus) - D(minus)) / (2 * h);
            worst = Math.Max(worst, Math.Abs(fd - analytic[i]));
        }
        Assert.True(worst <= 1e-6 * Math.Max(1, scale) + 1e-3 * scale, $"max |autograd - finite difference| = {worst:G3}, gradient scale {scale:G3}");
    }

    [Fact]
    public void MassCenterObjective_AtTheCleanInput_GivesAFiniteNonZeroDirection()
    {
        // Gradient x input on the ReLU network: the attack differentiates the very map that made the clean centroid,
        // so ||C(x) - C(x0)|| is exactly 0 at x0, where the distance has no gradient.
        using var model = AttackTestModels.Tiny(seed: 3, size: Size);
        var method = new GradientTimesInputOnRelu();
        torch.manual_seed(5);
        using var x0 = torch.rand(2, 1, Size, Size);
        using var clean = CleanReference.Compute(model, method, x0);
        using var objective = new MassCenterObjective(clean.Maps);
        var attack = FragilityAttack.MassCenter(model, method, new AttackSettings { Iterations = 1 });
        using var g = attack.ObjectiveGradient(x0, clean.LabelTensor, objective);
        Assert.False(g.isnan().any().item<bool>());
        var perInput = g.abs().flatten(1).sum(1).data<float>().ToArray();
        Assert.All(perInput, v => Assert.True(v > 0, "no direction to leave the clean input"));
    }

    [Fact]
    public void Objectives_HaveTheirDefiningValues_OnHandMadeMaps()
    {
        // Clean map 2x3: values 0.1 0.4 0.0 / 0.3 0.2 0.0 -> top-2 = {(0,1), (1,0)}; centroid = (0.5, (0.4+0.2)/1 ... )
        using var clean = torch.tensor(new float[] { 0.1f, 0.4f, 0.0f, 0.3f, 0.2f, 0.0f }, new long[] { 1, 2, 3 });
        using var moved = torch.tensor(new float[] { 0.0f, 0.0f, 0.5f, 0.0f, 0.0f, 0.5f }, new long[] { 1, 2, 3 });
        using var topk = new TopKObjective(clean, 2);
        using var dClean = topk.Evaluate(clean);
        using var dMoved = topk.Evaluate(moved);
        Assert.Equal(-0.7, dClean.item<float>(), 5);
        Assert.Equal(0.0, dMoved.item<float>(), 5);

        // C(clean) = (row 0.5, col 0.4*1 + 0.2*1 = 0.6); C(moved) = (0.5, 2) -> distance 1.4.
        using var centre = new MassCenterObjective(clean);
        using var dCentre = centre.Evaluate(moved);
        Assert.Equal(1.4, dCentre.item<float>(), 5);
        using var dSame = centre.Evaluate(clean);
        Assert.Equal(0.0, dSame.item<float>(), 5);

        using var mask = TargetRegion.FromRectangle("0,1,2,3").ToMask(2, 3);   // columns 1-2 of both rows
        using var targeted = new TargetedObjective(mask);
        using var dTarget = targeted.Evaluate(clean);
        Assert.Equal(0.6, dTarget.item<float>(), 5);
    }

    /// <summary>Gradient x input taken on the ReLU network (a stand-in for DeepLIFT: no smooth twin needed).</summary>
    private sealed class GradientTimesInputOnRelu : IAttributionMethod
    {
        public string Name => "gradient_x_input";
        public bool NeedsSmoothTwinForAttack => false;
        public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
        {
            using var scope = torch.NewDisposeScope();
            var x = createGraph && input.requires_grad ? input : input.detach().requires_grad_(createGraph);
            var g = Gradients.OfClassScore(model, x, target, createGraph);
            return g.mul(x).MoveToOuterDisposeScope();
        }
    }
}
