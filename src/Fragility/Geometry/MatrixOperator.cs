using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>An explicit matrix per row, [N, D, D] (or one [D, D] matrix shared by every row), as an
/// <see cref="ILinearOperator"/>: the reference against which the eigen solvers are tested. Does not own the matrices.</summary>
public sealed class MatrixOperator : ILinearOperator
{
    private readonly Tensor _matrices;

    /// <summary>Wraps <paramref name="matrices"/> [D, D] or [N, D, D].</summary>
    public MatrixOperator(Tensor matrices)
    {
        if (matrices.dim() is not (2 or 3) || matrices.shape[^1] != matrices.shape[^2])
            throw new ArgumentException($"matrices must be [D, D] or [N, D, D], got [{string.Join(",", matrices.shape)}]");
        _matrices = matrices;
        using var scope = torch.NewDisposeScope();
        IsSymmetric = torch.allclose(matrices, matrices.transpose(-1, -2));
    }

    /// <inheritdoc />
    public long Dimension => _matrices.shape[^1];

    /// <inheritdoc />
    public bool IsSymmetric { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor vectors) => _matrices.matmul(vectors.to(_matrices.dtype).unsqueeze(-1)).squeeze(-1).to(vectors.dtype);
}
