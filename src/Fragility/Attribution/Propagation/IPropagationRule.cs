using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// One backward rule of a layer-wise propagation method (zennit's rules): maps the signal at a layer's output
/// (DeepLIFT multipliers, or LRP relevance) to the signal at its input, using what the forward pass remembered.
/// Rules are written with ordinary differentiable tensor operations, so the propagated signal is a differentiable
/// function of the input (docs/method.md §4.3).
/// </summary>
public interface IPropagationRule
{
    /// <summary>Short name for descriptions ("rescale", "z+", "epsilon(0.25)").</summary>
    string Name { get; }

    /// <summary>The signal at the input of <paramref name="layer"/> (shape of <see cref="LayerState.Input"/>) from the
    /// signal <paramref name="signal"/> at its output (shape of <see cref="LayerState.Output"/>).</summary>
    Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal);
}
