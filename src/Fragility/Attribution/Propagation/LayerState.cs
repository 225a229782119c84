using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>What the forward pass of <see cref="PropagationWalker"/> remembered about one layer: its input and output
/// for the input x and, for difference methods (DeepLIFT), for the reference r.</summary>
/// <param name="LayerName">The layer's dotted name in the model, for messages.</param>
/// <param name="Input">The layer's input on the path of x.</param>
/// <param name="Output">The layer's output on the path of x.</param>
/// <param name="ReferenceInput">The layer's input on the path of the reference (null when no reference is propagated).</param>
/// <param name="ReferenceOutput">The layer's output on the path of the reference (null when no reference is propagated).</param>
public sealed record LayerState(string LayerName, Tensor Input, Tensor Output, Tensor? ReferenceInput, Tensor? ReferenceOutput);
