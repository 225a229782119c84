using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using Fragility.Models;
using TorchSharp;

namespace Fragility.Tests.Attacks;

/// <summary>An attack on DeepLIFT sends the same reference through the same layers at every step; recording that pass
/// once (<see cref="ReferenceTape"/>) and replaying it must change nothing: the same iterates, maps and outcomes, bit
/// for bit, on a chain with max-pools, and on imported graphs with residual additions (ResNet-18) and concatenations
/// (SqueezeNet), with both max-pool rules.</summary>
public sealed class ReferenceTapeTests : OneTorchThread
{
    [Theory]
    [InlineData("shipped", "deeplift")]
    [InlineData("shipped", "deeplift_gradmax")]
    [InlineData("resnet18", "deeplift")]
    [InlineData("squeezenet1_0", "deeplift")]
    public void ReplayingTheReferencesPass_GivesTheAttackMadeAnew(string modelName, string methodName) =>
        SameAttack.TopKRunsAgree(modelName, methodName, on => new SameAttack.Savings(ReuseReferencePass: on));

    [Fact]
    public void TheTape_IsRecordedOnce_ReplayedForTheSameShape_AndRecordedAgainForAnother()
    {
        using var model = ModelStore.Load(null);
        var method = new DeepLift(new ZeroReference());
        using var tape = new ReferenceTape();
        var taped = method.WithTape(tape);
        using var x = SameAttack.Inputs("shipped", 4);
        using var target = torch.tensor(model.Predict(x).Labels);
        using var a = x.narrow(0, 0, 2);
        using var b = x.narrow(0, 2, 2);

        using var first = taped.Attribute(model, a, target.narrow(0, 0, 2));
        int recorded = tape.Count;
        Assert.True(recorded > 2, $"only {recorded} reference tensors recorded");
        using var second = taped.Attribute(model, b, target.narrow(0, 2, 2));
        Assert.Equal(recorded, tape.Count);   // replayed, not recorded again
        Assert.True(second.eq(method.Attribute(model, b, target.narrow(0, 2, 2))).all().item<bool>(), "the replayed map differs from one made anew");

        using var whole = taped.Attribute(model, x, target);   // another batch size: recorded afresh
        Assert.True(whole.eq(method.Attribute(model, x, target)).all().item<bool>());

        // A reference made from the input's values cannot be replayed: the method stays as it is.
        var blurred = new DeepLift(new BlurredReference(5));
        Assert.Same(blurred, blurred.WithTape(tape));
    }
}
