namespace Fragility.Models.Import;

/// <summary>One dimension of a computed value: fixed, or a multiple of the batch size N (ONNX graphs exported with
/// a dynamic batch carry N through Shape, Gather and Concat into Reshape and Expand).</summary>
/// <param name="Size">The size, or the factor of N.</param>
/// <param name="PerImage">True when the dimension is <see cref="Size"/> times N.</param>
internal readonly record struct OnnxDim(long Size, bool PerImage);
