namespace Fragility.Geometry;

/// <summary>One factor of <see cref="LipschitzBound"/>: a layer and its L2 Lipschitz constant.</summary>
/// <param name="Name">The layer's dotted name in the model ("features.0"), or "normalization".</param>
/// <param name="Kind">Layer type (Conv2d, Linear, MaxPool2d, ...).</param>
/// <param name="Constant">Its Lipschitz constant in L2 (the spectral norm for linear layers).</param>
/// <param name="How">How the constant was obtained ("power iteration on conv2d / conv_transpose2d, input 1x28x28", "1: ReLU/softplus", ...).</param>
public sealed record LayerLipschitz(string Name, string Kind, double Constant, string How);
