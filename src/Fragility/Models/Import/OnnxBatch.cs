namespace Fragility.Models.Import;

/// <summary>One dimension of a computed value: fixed, or a multiple of the batch size N (ONNX graphs exported with
/// a dynamic batch carry N through Shape, Gather and Concat into Reshape and Expand).</summary>
/// <param name="Size">The size, or the factor of N.</param>
/// <param name="PerImage">True when the dimension is <see cref="Size"/> times N.</param>
internal readonly record struct OnnxDim(long Size, bool PerImage);

/// <summary>The batch size of the forward pass under way, shared by the steps whose shapes depend on it.</summary>
internal sealed class OnnxBatch
{
    /// <summary>N of the input being run.</summary>
    public long Size { get; set; } = 1;

    /// <summary>The shape of <paramref name="dims"/> for the current batch size.</summary>
    public long[] Resolve(OnnxDim[] dims) => dims.Select(d => d.PerImage ? d.Size * Size : d.Size).ToArray();
}
