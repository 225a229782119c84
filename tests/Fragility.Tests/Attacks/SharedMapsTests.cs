using Fragility.Attacks;
using Fragility.Attribution;
using TorchSharp;

namespace Fragility.Tests.Attacks;

/// <summary>DeepLIFT and LRP are attacked through the ReLU network itself, so the map the gradient of step t makes is
/// the map the criterion scores iterate t with; taking it from the gradient's pass instead of making it again must
/// change nothing: the same iterates, maps, outcomes and observed steps, bit for bit.</summary>
public sealed class SharedMapsTests : OneTorchThread
{
    [Theory]
    [InlineData("deeplift", AttackNames.TopK)]
    [InlineData("deeplift", AttackNames.MassCenter)]
    [InlineData("lrp", AttackNames.TopK)]
    public void SharingTheGradientsMaps_GivesTheUnsharedResult(string methodName, string attackName)
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(4, seed: 41);
        using var x0 = images;
        var method = AttributionMethods.Create(methodName, new AttributionOptions { Reference = new ZeroReference() });
        Assert.False(method.NeedsSmoothTwinForAttack);
        using var clean = CleanReference.Compute(model, method, x0);
        var settings = new AttackSettings { Epsilon = 8, Step = 1, Iterations = 6, K = 10 };
        FragilityAttack Attack(bool share) => attackName == AttackNames.TopK
            ? new FragilityAttack(attackName, model, method, c => new TopKObjective(c.Maps, 10), settings) { ShareMaps = share }
            : new FragilityAttack(attackName, model, method, c => new MassCenterObjective(c.Maps), settings) { ShareMaps = share };
        var shared = Attack(true);
        var plain = Attack(false);

        var sharedSteps = new List<(int Step, double[] Criterion)>();
        var plainSteps = new List<(int Step, double[] Criterion)>();
        using var a = shared.Run(clean, null, it => sharedSteps.Add((it.Step, it.Criterion.ToArray())));
        using var b = plain.Run(clean, null, it => plainSteps.Add((it.Step, it.Criterion.ToArray())));

        SameAttack.AssertSame(b, a);
        Assert.Equal(plainSteps.Select(s => s.Step), sharedSteps.Select(s => s.Step));
        Assert.Equal(plainSteps.SelectMany(s => s.Criterion), sharedSteps.SelectMany(s => s.Criterion));
        Assert.All(a.Outcomes, o => Assert.True(o.LinfPixels > 0));   // every input was perturbed: the steps ran
    }
}
