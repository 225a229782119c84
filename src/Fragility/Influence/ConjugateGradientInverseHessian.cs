using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>
/// H^-1 v by the conjugate gradient method on Hessian-vector products (Hestenes and Stiefel 1952), never forming H:
/// memory O(P), time per iteration one pass over the training features. Stops when ||H x - v|| &lt;=
/// relativeTolerance * ||v|| (default 1e-10) or after maxIterations (default 2 P).
/// </summary>
public sealed class ConjugateGradientInverseHessian : IInverseHessianSolver
{
    private readonly HeadObjective _objective;
    private readonly double[][] _probs;
    private readonly double _tolerance;
    private readonly int _maxIterations;

    /// <summary>Prepares products with H at <paramref name="theta"/>.</summary>
    public ConjugateGradientInverseHessian(HeadObjective objective, Vector<double> theta, double relativeTolerance = 1e-10, int? maxIterations = null)
    {
        if (!(relativeTolerance > 0)) throw new FragilityException($"CG tolerance must be positive, got {relativeTolerance}.");
        _objective = objective;
        _probs = objective.Probabilities(theta);
        _tolerance = relativeTolerance;
        _maxIterations = maxIterations ?? 2 * objective.ParameterCount;
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
        var hv = _objective.HessianVectorProduct(_probs, v, null);
        if (_objective.NullDirection is { } u) hv += u * u.DotProduct(v);
        return hv;
    }

    /// <inheritdoc />
    public Vector<double> Solve(Vector<double> v)
    {
        var x = Vector<double>.Build.Dense(v.Count);
        var r = v.Clone();
        var p = r.Clone();
        double rr = r.DotProduct(r), target = _tolerance * _tolerance * rr;
        int it = 0;
        while (rr > target && it < _maxIterations)
        {
            var hp = Apply(p);
            double alpha = rr / p.DotProduct(hp);
            x += alpha * p;
            r -= alpha * hp;
            double rrNew = r.DotProduct(r);
            p = r + (rrNew / rr) * p;
            rr = rrNew;
            it++;
        }
        LastIterations = it;
        double vn = v.L2Norm();
        LastRelativeResidual = vn == 0 ? 0 : (v - Apply(x)).L2Norm() / vn;
        return x;
    }
}
