using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Statistics;
using Fragility.Runtime;

namespace Fragility.Influence;

/// <summary>
/// Checks influence functions against leave-one-out retraining (Koh and Liang 2017, Fig. 2): for each test point,
/// the most helpful and most harmful training points are removed one at a time, the head is retrained to
/// convergence by Newton's method (warm-started at theta), and the actual change of the test loss is compared with
/// the prediction -(1/n) I(z_i, z_t).
/// </summary>
/// <remarks>
/// The retrained objective keeps the 1/n normaliser and lambda: <c>(1/n) sum_(j != i) L(z_j) + (lambda/2)||W||^2</c>,
/// i.e. up-weighting z_i by epsilon = -1/n, which is exactly what -(1/n) I linearises. (Averaging over the n - 1
/// remaining points instead would also scale lambda by n/(n - 1), a change of the same order as the removal itself.)
/// </remarks>
public static class LeaveOneOutValidation
{
    /// <summary>Runs the comparison.</summary>
    /// <param name="influence">Influence functions of the trained head.</param>
    /// <param name="testFeatures">Features of the test points (one row each).</param>
    /// <param name="testLabels">Their labels.</param>
    /// <param name="pointsPerSide">How many most helpful and most harmful points to remove per test point (default 20: 40 points).</param>
    /// <param name="options">Newton settings for retraining (default: gradient tolerance 1e-13, so it runs to float64's floor).</param>
    /// <param name="progress">Reports retrainings done.</param>
    public static LeaveOneOutResult Run(InfluenceFunctions influence, Matrix<double> testFeatures, IReadOnlyList<int> testLabels,
        int pointsPerSide = 20, NewtonOptions? options = null, IProgress<ProgressUpdate>? progress = null)
    {
        if (pointsPerSide < 1) throw new FragilityException($"Leave-one-out needs at least one point per side, got {pointsPerSide}.");
        if (testFeatures.RowCount != testLabels.Count) throw new ArgumentException("one label per test row is needed", nameof(testLabels));
        options ??= new NewtonOptions { GradientTolerance = 1e-13 };
        var objective = influence.Objective;
        int n = objective.Count;
        var theta = influence.Parameters;
        var tests = Enumerable.Range(0, testLabels.Count).Select(t => testFeatures.Row(t).ToArray()).ToArray();
        var baseLoss = tests.Select((x, t) => influence.Head.Loss(x, testLabels[t])).ToArray();
        var vectors = tests.Select((x, t) => influence.Influence(x, testLabels[t])).ToArray();

        var chosen = new List<(int Test, int Point, string Side)>();
        for (int t = 0; t < tests.Length; t++)
        {
            var (helpful, harmful) = InfluenceFunctions.Rank(vectors[t], pointsPerSide);
            var seen = new HashSet<int>();
            foreach (var i in helpful) if (seen.Add(i)) chosen.Add((t, i, "helpful"));
            foreach (var i in harmful) if (seen.Add(i)) chosen.Add((t, i, "harmful"));
        }
        var points = chosen.Select(c => c.Point).Distinct().OrderBy(i => i).ToArray();
        var retrained = new Dictionary<int, LinearHead>();
        double worst = 0;
        for (int k = 0; k < points.Length; k++)
        {
            var weights = Enumerable.Repeat(1.0, n).ToArray();
            weights[points[k]] = 0;
            var result = NewtonTrainer.Minimize(objective.WithWeights(weights), theta, options);
            if (!result.Converged)
                throw new FragilityException($"Retraining without training point {points[k]} did not converge (gradient norm {result.GradientNorm:G3}): raise --l2.");
            worst = Math.Max(worst, result.GradientNorm);
            retrained[points[k]] = objective.Head(result.Parameters);
            progress?.Report(new ProgressUpdate("leave-one-out retraining", k + 1, points.Length));
        }
        var rows = chosen.Select(c => new LeaveOneOutRow(c.Test, c.Point, c.Side, vectors[c.Test][c.Point],
            -vectors[c.Test][c.Point] / n, retrained[c.Point].Loss(tests[c.Test], testLabels[c.Test]) - baseLoss[c.Test])).ToList();
        double all = Correlation.Pearson(rows.Select(r => r.Predicted), rows.Select(r => r.Actual));
        var perTest = Enumerable.Range(0, tests.Length)
            .Select(t => rows.Where(r => r.Test == t).ToList())
            .Select(rs => rs.Count < 2 ? double.NaN : Correlation.Pearson(rs.Select(r => r.Predicted), rs.Select(r => r.Actual)))
            .ToList();
        return new LeaveOneOutResult(objective.L2, rows, all, perTest, points.Length, worst);
    }
}
