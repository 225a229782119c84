using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// The LRP epsilon rule (Bach et al. 2015, "On pixel-wise explanations for non-linear classifier decisions by
/// layer-wise relevance propagation"): z = W a + b, R_in = a * W^T (R_out / (z + epsilon sign(z))), sign(0) = +1.
/// A larger epsilon absorbs weak or contradictory contributions; epsilon -> 0 gives gradient x input on ReLU
/// networks (Ancona et al. 2018). With a tiny epsilon on an average pool it is the proportional z rule.
/// </summary>
public sealed class EpsilonRule : IPropagationRule
{
    /// <summary>Creates the rule with stabiliser <paramref name="epsilon"/> (in the layer's pre-activation units).</summary>
    public EpsilonRule(double epsilon)
    {
        if (!(epsilon > 0 && double.IsFinite(epsilon))) throw new FragilityException($"The LRP epsilon must be a positive number, got {epsilon}.");
        Epsilon = epsilon;
    }

    /// <summary>The stabiliser.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public string Name => FormattableString.Invariant($"epsilon({Epsilon})");

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal)
    {
        using var scope = torch.NewDisposeScope();
        var a = state.Input;
        var z = LinearMaps.Forward(layer, a, null, withBias: true);
        var s = signal / Stabilize(z, Epsilon);
        return (a * LinearMaps.Transpose(layer, state.LayerName, s, a.shape)).MoveToOuterDisposeScope();
    }

    /// <summary>z + epsilon sign(z) with sign(0) = +1: never zero, and keeps z's sign.</summary>
    internal static Tensor Stabilize(Tensor z, double epsilon) =>
        z + torch.where(z >= 0, torch.full_like(z, epsilon), torch.full_like(z, -epsilon));
}
