using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>
/// Influence functions of a trained <see cref="LinearHead"/> (Koh and Liang, "Understanding black-box predictions via
/// influence functions", ICML 2017), up-weighting a training point, on the test loss:
/// <c>I(z_i, z_t) = - grad_theta L(z_t)^T H^-1 grad_theta L(z_i)</c>, H the Hessian of the regularised training
/// objective at the trained parameters.
/// </summary>
/// <remarks>
/// <para>Sign convention: up-weighting z_i by epsilon changes the test loss by about epsilon * I(z_i, z_t). A
/// <b>helpful</b> training point has I &lt; 0 (up-weighting it lowers the test loss); a <b>harmful</b> one has I &gt; 0.
/// Removing z_i (epsilon = -1/n) changes the test loss by about <c>-(1/n) I(z_i, z_t)</c>.</para>
/// <para>Every value for one test point shares the factor r_t = p_t - y_t of grad L(z_t) (binary heads: a scalar),
/// so the ranking of training points does not depend on how confident the test prediction is, but the values do.</para>
/// <para>Computed as I = -G s_t with s_t = H^-1 grad L(z_t) (one inverse-Hessian-vector product per test point)
/// and G the stacked per-example training gradients (never formed).</para>
/// </remarks>
public sealed class InfluenceFunctions
{
    private readonly double[][] _residuals;

    /// <summary>Creates influence functions for the head with parameters <paramref name="theta"/> trained on <paramref name="objective"/>.</summary>
    public InfluenceFunctions(HeadObjective objective, Vector<double> theta, IInverseHessianSolver solver)
    {
        if (solver.ParameterCount != objective.ParameterCount)
            throw new ArgumentException($"solver has {solver.ParameterCount} parameters, objective {objective.ParameterCount}", nameof(solver));
        Objective = objective;
        Parameters = theta.Clone();
        Head = objective.Head(theta);
        Solver = solver;
        _residuals = objective.Residuals(theta);
    }

    /// <summary>The training objective (features, labels, lambda).</summary>
    public HeadObjective Objective { get; }

    /// <summary>The trained parameters theta.</summary>
    public Vector<double> Parameters { get; }

    /// <summary>The trained head.</summary>
    public LinearHead Head { get; }

    /// <summary>The inverse-Hessian solver.</summary>
    public IInverseHessianSolver Solver { get; }

    /// <summary>Number of training points n.</summary>
    public int TrainingCount => Objective.Count;

    /// <summary>I(z_i, z_t) for every training point i, for the test point with features <paramref name="testFeatures"/> and label <paramref name="testLabel"/>.</summary>
    public double[] Influence(ReadOnlySpan<double> testFeatures, int testLabel)
    {
        var s = Solver.Solve(Head.LossGradient(testFeatures, testLabel));
        var gs = TrainingGradientsTimes(s);
        for (int i = 0; i < gs.Length; i++) gs[i] = -gs[i];
        return gs;
    }

    /// <summary>(G s)_i = grad_theta L(z_i) . s for every training point.</summary>
    public double[] TrainingGradientsTimes(Vector<double> s) => Objective.GradientsTimes(_residuals, s);

    /// <summary>G^T w = sum_i w_i grad_theta L(z_i).</summary>
    public Vector<double> TrainingGradientsTransposeTimes(IReadOnlyList<double> w)
    {
        if (w.Count != TrainingCount) throw new ArgumentException($"expected {TrainingCount} weights, got {w.Count}", nameof(w));
        return Objective.TransposeTimes(_residuals, w);
    }

    /// <summary>grad_theta L(z_i) of training point i at the trained parameters.</summary>
    public Vector<double> TrainingGradient(int i) => Objective.ExampleGradient(Parameters, i);

    /// <summary>
    /// Indices of the <paramref name="k"/> most helpful training points (most negative influence first) and the
    /// <paramref name="k"/> most harmful (most positive first). Ties go to the lower index.
    /// </summary>
    public static (int[] Helpful, int[] Harmful) Rank(IReadOnlyList<double> influence, int k)
    {
        k = Math.Min(k, influence.Count);
        var order = Enumerable.Range(0, influence.Count).OrderBy(i => influence[i]).ThenBy(i => i).ToArray();
        var harmful = Enumerable.Range(0, influence.Count).OrderByDescending(i => influence[i]).ThenBy(i => i).Take(k).ToArray();
        return (order.Take(k).ToArray(), harmful);
    }
}
