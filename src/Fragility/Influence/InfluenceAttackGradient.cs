using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>The objective D at a batch of inputs and its input gradient (see <see cref="InfluenceAttack.ObjectiveGradient"/>).</summary>
/// <param name="Values">D per input.</param>
/// <param name="Targets">The helpful points T summed per input.</param>
/// <param name="Influence">The influence vector per input, on the network the gradient was taken on.</param>
/// <param name="Gradient">grad_x D, shape of the inputs (owned by the caller).</param>
/// <param name="States">Influence vectors, head probabilities and network labels at the inputs, on the network the gradient was taken on
/// (the evaluation of the inputs when that is the ReLU network).</param>
public sealed record InfluenceAttackGradient(double[] Values, int[][] Targets, double[][] Influence, Tensor Gradient, IReadOnlyList<InfluenceState> States) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Gradient.Dispose();
}
