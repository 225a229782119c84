using static TorchSharp.torch;

namespace Fragility.Training.Regularisers;

/// <summary>A convolution or dense layer of a model, with the input shape it sees (batch of one), so that its
/// operator norm as a linear map of that input can be measured.</summary>
/// <param name="Name">Dotted name of the layer (as in the state_dict).</param>
/// <param name="Module">The layer (TorchSharp Conv2d or Linear).</param>
/// <param name="InputShape">Shape of one input of the layer, batch dimension 1 ([1, C, H, W] or [1, features]).</param>
public sealed record AffineLayer(string Name, nn.Module<Tensor, Tensor> Module, long[] InputShape);
