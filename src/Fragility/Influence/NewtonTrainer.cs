using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>
/// Minimises a <see cref="HeadObjective"/> (strictly convex for lambda &gt; 0) by damped Newton's method in float64:
/// step d = -H^-1 grad F (exact Hessian by Cholesky up to <see cref="NewtonOptions.ExactHessianLimit"/> parameters,
/// else conjugate gradient), then backtracking on F (Armijo, halving) from step length 1.
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
            Vector<double> step;
            if (objective.ParameterCount <= options.ExactHessianLimit)
            {
                var h = objective.Hessian(theta);
                ExactInverseHessian.AddNullProjector(h, objective.NullDirection);
                step = -h.Cholesky().Solve(g);
            }
            else
            {
                var cg = new ConjugateGradientInverseHessian(objective, theta, relativeTolerance: 1e-12);
                step = -cg.Solve(g);
            }
            double slope = g.DotProduct(step);
            if (!(slope < 0)) break; // not a descent direction: float64 floor reached
            double t = 1;
            Vector<double> next = theta + step;
            double fNext = objective.Value(next);
            while (fNext > f + 1e-4 * t * slope && t > 1e-12)
            {
                t *= 0.5;
                next = theta + t * step;
                fNext = objective.Value(next);
            }
            if (fNext > f) break; // no decrease possible at float64 precision
            theta = next;
            f = fNext;
            g = objective.Gradient(theta);
            gnorm = g.L2Norm();
            // At the rounding floor a tiny Newton decrement means no further progress is representable.
            converged = gnorm <= options.GradientTolerance || -slope < 1e-24 * Math.Max(1, Math.Abs(f));
        }
        if (!converged) converged = gnorm <= Math.Max(options.GradientTolerance, 1e-8);
        return new NewtonResult(theta, it, f, gnorm, converged);
    }
}
