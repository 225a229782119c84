namespace Fragility.Models.Import;

/// <summary>What a functionally evaluated one-input ONNX node is as a map of its computed input, which decides the
/// propagation rule the layer-wise methods may apply to it.</summary>
internal enum OnnxLinearity
{
    /// <summary>Not known to be affine (Sigmoid, Pow, a division by the input...): no propagation rule.</summary>
    None,

    /// <summary>Moves or copies values without changing them (reshape, transpose, slice, gather, split, expand).</summary>
    Routing,

    /// <summary>Affine in the input with fixed operands (multiplication or addition of constants, padding, a mean or
    /// sum over axes, an asymmetrically padded convolution or average pool, a BatchNormalization of other rank).</summary>
    Affine,
}
