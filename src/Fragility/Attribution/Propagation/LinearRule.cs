using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// DeepLIFT's linear rule (Shrikumar, Greenside and Kundaje 2017, "Learning important features through propagating
/// activation differences"): through an affine layer y = J x + b the multipliers pass by the transposed map,
/// m_in = J^T m_out (the bias cancels in y - y_ref). Also the exact backward of reshapes (flatten) and of dropout in
/// evaluation (identity), for any propagated signal.
/// </summary>
public sealed class LinearRule : IPropagationRule
{
    /// <summary>The shared instance.</summary>
    public static LinearRule Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "linear";

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal) =>
        LinearMaps.Transpose(layer, state.LayerName, signal, state.Input.shape);
}
