using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>What <see cref="Lanczos"/> found for each operator of a batch. Owns <see cref="DominantVectors"/>.</summary>
/// <param name="Largest">Per row, the largest Ritz values in descending order (algebraic: the most positive first).</param>
/// <param name="Smallest">Per row, the smallest (most negative) Ritz value.</param>
/// <param name="Dominant">Per row, the Ritz value of largest magnitude, with its sign: the spectral norm of the
/// operator up to sign.</param>
/// <param name="DominantVectors">Unit Ritz vectors [N, D] of <paramref name="Dominant"/>.</param>
/// <param name="Steps">Lanczos steps used per row (fewer than asked when its Krylov space was exhausted).</param>
public sealed record LanczosResult(double[][] Largest, double[] Smallest, double[] Dominant, Tensor DominantVectors, int[] Steps) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => DominantVectors.Dispose();
}
