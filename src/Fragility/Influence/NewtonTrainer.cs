using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>
/// Minimises a <see cref="HeadObjective"/> (strictly convex for lambda &gt; 0) by damped Newton's method in float64:
/// step d = -H^-1 grad F (exact Hessian by Cholesky up to <see cref="NewtonOptions.ExactHessianLimit"/> parameters,
/// else conjugate gradient), the full step when it passes Armijo's test, else halving. Near the minimum, where F's
/// rounding error hides the predicted decrease, the full step is taken when it lowers the gradient norm (pure Newton
/// converges quadratically there). Stops when ||grad F|| reaches the tolerance, or when the Newton step is below
/// float64's resolution of theta (||d|| &lt;= 1e-13 max(1, ||theta||)).
/// </summary>
public static class NewtonTrainer
{
    /// <summary>Minimises <paramref name="objective"/> starting from <paramref name="start"/> (zeros when null).</summary>
    public static NewtonResult Minimize(HeadObjective objective, Vector<double>? start = null, NewtonOptions? options = null)
    {
        options ??= new NewtonOptions();
        var theta = start?.Clone() ?? Vector<double>.Build.Dense(objective.ParameterCount);
        double f = objective.Value(theta);
        var g = objective.Gradient(theta);
        double gnorm = g.L2Norm();
        int it = 0;
        bool converged = gnorm <= options.GradientTolerance;
        while (!converged && it < options.MaxIterations)
        {
            it++;
            var step = -Solve(objective, theta, g, options);
            if (step.L2Norm() <= 1e-13 * Math.Max(1, theta.L2Norm())) { converged = true; break; }
            double slope = g.DotProduct(step);
            if (!(slope < 0)) break;
            var next = theta + step;
            double fNext = objective.Value(next);
            Vector<double>? gNext = null;
            if (!(fNext <= f + 1e-4 * slope))
            {
                // Rounding regime: F cannot resolve the decrease, but the gradient can.
                var gFull = objective.Gradient(next);
                if (fNext <= f + 1e-12 * Math.Max(1, Math.Abs(f)) && gFull.L2Norm() < gnorm) gNext = gFull;
                else
                {
                    double t = 1;
                    do
                    {
                        t *= 0.5;
                        next = theta + t * step;
                        fNext = objective.Value(next);
                    }
                    while (!(fNext <= f + 1e-4 * t * slope) && t > 1e-12);
                    if (!(fNext <= f + 1e-4 * t * slope)) break;
                }
            }
            theta = next;
            f = fNext;
            g = gNext ?? objective.Gradient(theta);
            gnorm = g.L2Norm();
            converged = gnorm <= options.GradientTolerance;
        }
        return new NewtonResult(theta, it, f, gnorm, converged);
    }

    private static Vector<double> Solve(HeadObjective objective, Vector<double> theta, Vector<double> g, NewtonOptions options)
    {
        if (objective.ParameterCount <= options.ExactHessianLimit)
        {
            var h = objective.Hessian(theta);
            ExactInverseHessian.AddNullProjector(h, objective.NullDirection);
            try { return h.Cholesky().Solve(g); }
            catch (ArgumentException)
            {
                throw new FragilityException("Newton step: the head's Hessian is not positive definite (features degenerate or lambda too small): raise --l2.");
            }
        }
        using var cg = new ConjugateGradientInverseHessian(objective, theta, relativeTolerance: 1e-12);
        return cg.Solve(g);
    }
}
