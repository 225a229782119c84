using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Fragility.Influence;

/// <summary>Exact H^-1 v: forms the Hessian of the objective at theta once and factorises it by Cholesky (MathNet, float64).</summary>
public sealed class ExactInverseHessian : IInverseHessianSolver
{
    private readonly Cholesky<double> _cholesky;

    /// <summary>Forms and factorises H at <paramref name="theta"/>.</summary>
    public ExactInverseHessian(HeadObjective objective, Vector<double> theta)
    {
        Hessian = objective.Hessian(theta);
        var m = Hessian.Clone();
        AddNullProjector(m, objective.NullDirection);
        try { _cholesky = m.Cholesky(); }
        catch (ArgumentException)
        {
            throw new FragilityException("The head's Hessian is not positive definite (features degenerate or lambda too small): raise --l2.");
        }
    }

    /// <summary>The exact Hessian H at theta (without the null-direction projector).</summary>
    public Matrix<double> Hessian { get; }

    /// <inheritdoc />
    public string Name => "exact";

    /// <inheritdoc />
    public int ParameterCount => Hessian.RowCount;

    /// <inheritdoc />
    public Vector<double> Solve(Vector<double> v) => _cholesky.Solve(v);

    /// <summary>Solves for several right-hand sides at once (columns of <paramref name="rhs"/>).</summary>
    public Matrix<double> Solve(Matrix<double> rhs) => _cholesky.Solve(rhs);

    /// <summary>Adds u u^T (u the unit null direction) so that a singular softmax Hessian becomes invertible without changing H^-1 on vectors orthogonal to u.</summary>
    internal static void AddNullProjector(Matrix<double> h, Vector<double>? u)
    {
        if (u is null) return;
        var nz = Enumerable.Range(0, u.Count).Where(i => u[i] != 0).ToArray();
        foreach (int a in nz)
            foreach (int b in nz) h[a, b] += u[a] * u[b];
    }
}
