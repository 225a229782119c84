using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// A batch of linear operators, one per row, known only through their products: the one input of
/// <see cref="PowerIteration"/> and <see cref="Lanczos"/>. Implementations: the input Hessian (<see cref="InputHessian"/>,
/// Hessian-vector products by double backward), the normal operator A^T A of a layer (<see cref="NormalOperator"/>,
/// for spectral norms) and an explicit matrix (<see cref="MatrixOperator"/>).
/// </summary>
public interface ILinearOperator
{
    /// <summary>Values per row, D: each operator maps R^D to R^D.</summary>
    long Dimension { get; }

    /// <summary>Whether every operator equals its transpose (Lanczos and signed Rayleigh quotients need it).</summary>
    bool IsSymmetric { get; }

    /// <summary><c>A_i v_i</c> for every row i: [N, D] vectors to [N, D] products.</summary>
    Tensor Apply(Tensor vectors);
}
