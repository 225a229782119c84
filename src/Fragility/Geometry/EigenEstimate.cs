using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>The eigenvalue of largest magnitude of each operator of a batch and its unit eigenvector, as found by
/// <see cref="PowerIteration"/>. Owns <see cref="Vectors"/>.</summary>
/// <param name="Values">Signed eigenvalue per row (the final Rayleigh quotient).</param>
/// <param name="Vectors">Unit eigenvectors [N, D].</param>
/// <param name="Iterations">Products used per row until it converged (or the limit).</param>
/// <param name="Converged">Whether each row met the tolerance.</param>
public sealed record EigenEstimate(double[] Values, Tensor Vectors, int[] Iterations, bool[] Converged) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Vectors.Dispose();
}
