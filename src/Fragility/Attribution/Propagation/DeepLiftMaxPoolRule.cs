using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// DeepLIFT through max-pooling (docs/method.md §2.3). With <see cref="MaxPoolMode.KeepCompleteness"/>, for each window with
/// input maximum y at position a_x and reference maximum y_ref at position a_r, the window's multiplier m_out is sent
/// back as m_out (max(y, y_ref) - y_ref) / (x_ax - r_ax) to a_x and m_out (y - max(y, y_ref)) / (x_ar - r_ar) to a_r
/// (the gradient 1 and 0 respectively where that input difference is below <see cref="RescaleRule.Threshold"/>), so
/// sum m_in (x - r) = m_out (y - y_ref) per window. Both ratios lie in [0, 1]. With
/// <see cref="MaxPoolMode.Gradient"/>, m_out goes to a_x (the plain gradient), as in Captum and the original code.
/// </summary>
public sealed class DeepLiftMaxPoolRule : IPropagationRule
{
    /// <summary>Creates the rule.</summary>
    public DeepLiftMaxPoolRule(MaxPoolMode mode = MaxPoolMode.KeepCompleteness) => Mode = mode;

    /// <summary>The max-pool mode.</summary>
    public MaxPoolMode Mode { get; }

    /// <inheritdoc />
    public string Name => Mode == MaxPoolMode.Gradient ? "maxpool(gradient)" : "maxpool(completeness)";

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal)
    {
        if (layer is not MaxPool2d pool) throw LinearMaps.Unsupported(layer, state.LayerName);
        using var scope = torch.NewDisposeScope();
        long[] shape = state.Input.shape;
        var (y, inputArgmax) = MaxPoolRouting.WithIndices(pool, state.Input);
        if (Mode == MaxPoolMode.Gradient)
            return MaxPoolRouting.Scatter(inputArgmax, signal, shape).MoveToOuterDisposeScope();
        if (state.ReferenceInput is null) throw new InvalidOperationException("the completeness-keeping max-pool rule needs the reference's activations");
        var (yRef, referenceArgmax) = MaxPoolRouting.WithIndices(pool, state.ReferenceInput);
        var delta = state.Input - state.ReferenceInput;
        var top = torch.maximum(y, yRef);
        var toInput = Ratio(top - yRef, MaxPoolRouting.Gather(delta, inputArgmax), 1.0);
        var toReference = Ratio(y - top, MaxPoolRouting.Gather(delta, referenceArgmax), 0.0);
        var m = MaxPoolRouting.Scatter(inputArgmax, signal * toInput, shape) + MaxPoolRouting.Scatter(referenceArgmax, signal * toReference, shape);
        return m.MoveToOuterDisposeScope();
    }

    private static Tensor Ratio(Tensor part, Tensor delta, double gradient)
    {
        var far = delta.abs() > RescaleRule.Threshold;
        var safe = torch.where(far, delta, torch.ones_like(delta));
        return torch.where(far, part / safe, torch.full_like(delta, gradient));
    }
}
