using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// The bounded z^B rule of deep Taylor decomposition for the first layer, whose inputs lie in a box [l, h]
/// (Montavon et al. 2017): z = W a - W+ l - W- h (biases ignored; z &gt;= 0 inside the box) and
/// R_in = a * W^T s - l * W+^T s - h * W-^T s with s = R_out / z. Conserves relevance. Bounds are given per input
/// channel in the layer's input units (for the model's first layer: pixel range [0, 1] through the model's
/// normalisation, <see cref="Models.ChannelNormalisation.NormalisedBounds"/>).
/// </summary>
public sealed class ZBoxRule : IPropagationRule
{
    /// <summary>Creates the rule with per-channel lower and upper bounds (one entry each, or one per channel).</summary>
    public ZBoxRule(IReadOnlyList<double> low, IReadOnlyList<double> high)
    {
        if (low.Count == 0 || low.Count != high.Count || low.Zip(high).Any(p => !(p.First <= p.Second)))
            throw new FragilityException("z^B bounds need one low <= high pair per input channel; check the model's normalisation.");
        Low = low.ToArray();
        High = high.ToArray();
    }

    /// <summary>Lower bound per channel.</summary>
    public IReadOnlyList<double> Low { get; }

    /// <summary>Upper bound per channel.</summary>
    public IReadOnlyList<double> High { get; }

    /// <inheritdoc />
    public string Name => "zB";

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal)
    {
        if (!LinearMaps.IsWeighted(layer)) throw LinearMaps.Unsupported(layer, state.LayerName);
        using var scope = torch.NewDisposeScope();
        var a = state.Input;
        var l = Bound(Low, a);
        var h = Bound(High, a);
        Func<Tensor, Tensor> pos = w => w.clamp_min(0), neg = w => w.clamp_max(0);
        var z = LinearMaps.Forward(layer, a, null, false) - LinearMaps.Forward(layer, l, pos, false) - LinearMaps.Forward(layer, h, neg, false);
        var s = signal / EpsilonRule.Stabilize(z, ZPlusRule.Stabilizer);
        string name = state.LayerName;
        var r = a * LinearMaps.Transpose(layer, name, s, a.shape)
            - l * LinearMaps.Transpose(layer, name, s, a.shape, pos)
            - h * LinearMaps.Transpose(layer, name, s, a.shape, neg);
        return r.MoveToOuterDisposeScope();
    }

    /// <summary>The bounds broadcast to the layer input: [N, C, H, W] per channel, or [N, F] from a flattened image
    /// (F/C consecutive features per channel).</summary>
    private static Tensor Bound(IReadOnlyList<double> perChannel, Tensor a)
    {
        var b = torch.tensor(perChannel.ToArray(), dtype: a.dtype, device: a.device);
        long c = perChannel.Count;
        if (c == 1) return b.expand(a.shape);
        if (a.dim() == 4 && a.shape[1] == c) return b.reshape(1, c, 1, 1).expand(a.shape);
        if (a.dim() == 2 && a.shape[1] % c == 0) return b.repeat_interleave(a.shape[1] / c).reshape(1, -1).expand(a.shape);
        throw new FragilityException($"z^B bounds for {c} channels do not fit the first layer's input [{string.Join(",", a.shape)}]; check the model's normalisation.");
    }
}
