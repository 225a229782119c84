using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>What <see cref="PropagationWalker.Propagate"/> gives back: the signal at the input and the walked chain's
/// outputs for x and for the reference.</summary>
/// <param name="InputSignal">The signal at the input (shape of x).</param>
/// <param name="Output">The walked chain's output for x.</param>
/// <param name="ReferenceOutput">Its output for the reference, or null without one.</param>
public sealed record PropagationResult(Tensor InputSignal, Tensor Output, Tensor? ReferenceOutput)
{
    /// <summary>True when a canonizer rewrote some layers (e.g. folded a batch norm into its convolution), so
    /// <see cref="Output"/> is the rewritten network's: equal to the model's up to rounding, not bit for bit.</summary>
    public bool Canonized { get; init; }

    /// <summary><see cref="Output"/> when it is the model's own logits bit for bit (no layer was rewritten), else null.</summary>
    public Tensor? ModelOutput => Canonized ? null : Output;
}
