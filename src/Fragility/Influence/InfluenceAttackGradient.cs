using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>The objective D at a batch of inputs and its input gradient (see <see cref="InfluenceAttack.ObjectiveGradient"/>).</summary>
/// <param name="Values">D per input.</param>
/// <param name="Targets">The helpful points T summed per input.</param>
/// <param name="Influence">The influence vector per input, on the network the gradient was taken on.</param>
/// <param name="Gradient">grad_x D, shape of the inputs (owned by the caller).</param>
public sealed record InfluenceAttackGradient(double[] Values, int[][] Targets, double[][] Influence, Tensor Gradient) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Gradient.Dispose();
}
