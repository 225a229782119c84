using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>
/// H^-1 v by the conjugate gradient method on Hessian-vector products (Hestenes and Stiefel 1952), never forming H,
/// preconditioned by H's diagonal (Jacobi), which evens out features of very different scales: memory O(P), time per
/// iteration one pass over the training features. Stops when ||H x - v|| &lt;= relativeTolerance * ||v|| (default 1e-10)
/// or after maxIterations (default 2 P).
/// </summary>
public sealed class ConjugateGradientInverseHessian : IInverseHessianSolver, IDisposable
{
    private readonly HeadObjective _objective;
    private readonly HessianOperator _hessian;
    private readonly double _tolerance;
    private readonly int _maxIterations;
    private readonly Vector<double> _inverseDiagonal;

    /// <summary>Prepares products with H at <paramref name="theta"/>.</summary>
    public ConjugateGradientInverseHessian(HeadObjective objective, Vector<double> theta, double relativeTolerance = 1e-10, int? maxIterations = null)
    {
        if (!(relativeTolerance > 0)) throw new FragilityException($"CG tolerance must be positive, got {relativeTolerance}.");
        _objective = objective;
        _hessian = new HessianOperator(objective, objective.Probabilities(theta));
        _tolerance = relativeTolerance;
        _maxIterations = maxIterations ?? 2 * objective.ParameterCount;
        var diagonal = _hessian.Diagonal();
        if (objective.NullDirection is { } u) diagonal += u.PointwiseMultiply(u);
        // A diagonal entry that underflowed to 0 (every probability saturated) would make the preconditioner infinite.
        _inverseDiagonal = diagonal.Map(x => x > 0 ? 1 / x : 1);
        if (_maxIterations < 1) throw new FragilityException($"CG needs at least one iteration, got {_maxIterations}.");
    }

    /// <inheritdoc />
    public string Name => "cg";

    /// <inheritdoc />
    public int ParameterCount => _objective.ParameterCount;

    /// <summary>Iterations used by the last <see cref="Solve"/>.</summary>
    public int LastIterations { get; private set; }

    /// <summary>Relative residual ||H x - v|| / ||v|| reached by the last <see cref="Solve"/>.</summary>
    public double LastRelativeResidual { get; private set; }

    /// <summary>H v (plus the null-direction projector for softmax heads).</summary>
    public Vector<double> Apply(Vector<double> v)
    {
        var hv = _hessian.Apply(v);
        if (_objective.NullDirection is { } u) hv += u * u.DotProduct(v);
        return hv;
    }

    /// <inheritdoc />
    public Vector<double> Solve(Vector<double> v)
    {
        var x = Vector<double>.Build.Dense(v.Count);
        var r = v.Clone();
        var z = r.PointwiseMultiply(_inverseDiagonal);
        var p = z.Clone();
        double rz = r.DotProduct(z), target = _tolerance * _tolerance * v.DotProduct(v);
        int it = 0;
        while (r.DotProduct(r) > target && it < _maxIterations)
        {
            var hp = Apply(p);
            double alpha = rz / p.DotProduct(hp);
            x += alpha * p;
            r -= alpha * hp;
            z = r.PointwiseMultiply(_inverseDiagonal);
            double rzNew = r.DotProduct(z);
            p = z + (rzNew / rz) * p;
            rz = rzNew;
            it++;
        }
        LastIterations = it;
        double vn = v.L2Norm();
        LastRelativeResidual = vn == 0 ? 0 : (v - Apply(x)).L2Norm() / vn;
        if (!double.IsFinite(LastRelativeResidual) || LastRelativeResidual > Math.Max(1e3 * _tolerance, 1e-6))
            throw new FragilityException($"Conjugate gradient did not converge: relative residual {LastRelativeResidual:G3} after {it} iterations. " +
                "The head's Hessian is ill-conditioned: raise --l2, or use --solver exact.");
        return x;
    }

    /// <summary>Frees the native tensors of the Hessian operator (large heads use TorchSharp matmuls).</summary>
    public void Dispose() => _hessian.Dispose();
}
