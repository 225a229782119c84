using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// The LRP z+ rule of deep Taylor decomposition (Montavon et al. 2017, "Explaining nonlinear classification decisions
/// with deep Taylor decomposition"): only positive contributions count, biases are ignored,
/// R_in = a+ * W+^T s + a- * W-^T s with s = R_out / (W+ a+ + W- a-) (zennit's ZPlus; for non-negative inputs, as
/// after a ReLU, this is a * W+^T (R_out / W+ a)). Conserves relevance wherever the denominator is non-zero.
/// </summary>
public sealed class ZPlusRule : IPropagationRule
{
    /// <summary>Stabiliser added to the (non-negative) denominator.</summary>
    public const double Stabilizer = 1e-9;

    /// <summary>The shared instance.</summary>
    public static ZPlusRule Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "z+";

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal)
    {
        if (!LinearMaps.IsWeighted(layer)) throw LinearMaps.Unsupported(layer, state.LayerName);
        using var scope = torch.NewDisposeScope();
        var a = state.Input;
        Func<Tensor, Tensor> pos = w => w.clamp_min(0), neg = w => w.clamp_max(0);
        string name = state.LayerName;
        // After a ReLU every input is >= 0 and the negative half is identically zero: skip its two passes.
        bool hasNegative = a.lt(0).any().item<bool>();
        var aPos = hasNegative ? a.clamp_min(0) : a;
        var z = LinearMaps.Forward(layer, aPos, pos, false);
        Tensor? aNeg = null;
        if (hasNegative)
        {
            aNeg = a.clamp_max(0);
            z = z + LinearMaps.Forward(layer, aNeg, neg, false);
        }
        var s = signal / EpsilonRule.Stabilize(z, Stabilizer);
        var r = aPos * LinearMaps.Transpose(layer, name, s, a.shape, pos);
        if (aNeg is not null) r = r + aNeg * LinearMaps.Transpose(layer, name, s, a.shape, neg);
        return r.MoveToOuterDisposeScope();
    }
}
