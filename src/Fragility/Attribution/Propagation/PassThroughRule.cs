using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>Passes the signal through a layer unchanged (LRP: relevance through activations and input
/// normalisation, Bach et al. 2015). Only for layers whose input and output have the same shape.</summary>
public sealed class PassThroughRule : IPropagationRule
{
    /// <summary>The shared instance.</summary>
    public static PassThroughRule Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "pass";

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal) => signal.alias();
}
