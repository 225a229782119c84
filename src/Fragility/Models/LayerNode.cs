using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// One node of a network seen as a chain of layers, the view that layer-wise propagation rules
/// (DeepLIFT, relevance propagation) walk backwards over.
/// </summary>
public abstract record LayerNode;

/// <summary>A primitive layer (convolution, linear, activation, pooling, flatten, normalisation...).</summary>
/// <param name="Module">The layer.</param>
/// <param name="Name">Its dotted name in the model (as in the state_dict), for messages.</param>
public sealed record ModuleNode(nn.Module<Tensor, Tensor> Module, string Name) : LayerNode;

/// <summary>Parallel branches over the same input whose outputs are concatenated along channels
/// (the expand layers of SqueezeNet's fire module).</summary>
/// <param name="Branches">Each branch is a chain of nodes.</param>
public sealed record ConcatNode(IReadOnlyList<IReadOnlyList<LayerNode>> Branches) : LayerNode;
