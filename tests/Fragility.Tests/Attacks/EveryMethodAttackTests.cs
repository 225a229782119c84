using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Experiments;
using TorchSharp;

namespace Fragility.Tests.Attacks;

public class EveryMethodAttackTests : OneTorchThread
{
    [Theory]
    [InlineData("gradient")]
    [InlineData("grad_x_input")]
    [InlineData("ig")]
    [InlineData("deeplift")]
    [InlineData("lrp")]
    [InlineData("smoothgrad")]
    public void EveryMethod_CanBeAttacked_WithinTheBall_KeepingTheLabel_AndMovingItsMap(string name)
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(3, seed: 51);
        using var x0 = images;
        var methods = SweepMethods.Create(model, "zero");
        var evaluation = methods(name, 8);
        var gradient = methods(name, 3);
        using var clean = CleanReference.Compute(model, evaluation, x0);
        var settings = new AttackSettings { Epsilon = 8, Step = 2, Iterations = 3, K = 10 };
        using var result = FragilityAttack.TopK(model, evaluation, settings, gradient).Run(clean);

        using var delta = (result.Perturbed - x0).abs();
        Assert.True(delta.max().item<float>() <= 8 / 255.0 + 1e-6);
        using var logits = model.forward(result.Perturbed);
        Assert.Equal(clean.Labels, logits.argmax(1).data<long>().ToArray());
        // The attack gradient exists for every method (softplus twin or differentiable rules): iterates move.
        Assert.All(result.Outcomes, o => Assert.True(o.Iterations > 0, $"{name}: the attack never moved"));
        Assert.Contains(result.Outcomes, o => !o.Failed && o.Criterion < 1.0);
    }
}
