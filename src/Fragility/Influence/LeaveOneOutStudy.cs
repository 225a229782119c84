using MathNet.Numerics.LinearAlgebra;
using Fragility.Runtime;

namespace Fragility.Influence;

/// <summary>
/// The check of the influence approximation (<c>fragility influence --validate-loo</c>): for the first test points,
/// remove each of their most helpful and most harmful training points, retrain the head to convergence, and compare
/// the actual test-loss change with -(1/n) I (<see cref="LeaveOneOutValidation"/>), once per lambda, since weaker
/// regularisation worsens the approximation.
/// </summary>
public static class LeaveOneOutStudy
{
    /// <summary>File name of the pairs.</summary>
    public const string CsvFile = "loo.csv";

    /// <summary>Runs the check and writes <see cref="CsvFile"/> into <paramref name="outDir"/>.</summary>
    /// <param name="setup">The head and its influence functions.</param>
    /// <param name="points">Test points; the first <paramref name="tests"/> are used.</param>
    /// <param name="tests">Test points checked, at least 1.</param>
    /// <param name="perTest">Training points removed per test point: an even number, half most helpful, half most harmful.</param>
    /// <param name="lambdas">Head regularisations to check (null: the setup's).</param>
    /// <param name="outDir">Output folder.</param>
    /// <param name="progress">Receives the retrainings' progress.</param>
    /// <returns>Per lambda: the head's training accuracy and the check's result.</returns>
    public static IReadOnlyList<(double TrainAccuracy, LeaveOneOutResult Result)> Run(InfluenceSetup setup, IReadOnlyList<InfluenceTestPoint> points, int tests, int perTest,
        IReadOnlyList<double>? lambdas, string outDir, IProgress<ProgressUpdate>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(points);
        if (tests < 1) throw new FragilityException($"--loo-tests must be at least 1, got {tests}.");
        if (perTest < 2 || perTest % 2 != 0) throw new FragilityException($"--loo-points must be an even number of at least 2 (half most helpful, half most harmful), got {perTest}.");
        var chosen = points.Take(tests).ToList();
        var features = Matrix<double>.Build.DenseOfRowArrays(chosen.Select(p => p.Features));
        var labels = chosen.Select(p => p.Label).ToArray();
        var trainFeatures = Matrix<double>.Build.DenseOfRowArrays(Enumerable.Range(0, setup.TrainingCount).Select(i => setup.Objective.FeatureRow(i).ToArray()));
        var rows = new List<(double, LeaveOneOutResult)>();
        foreach (double l2 in lambdas ?? [setup.Settings.L2])
        {
            var influence = setup.Influence;
            if (l2 != setup.Settings.L2)
            {
                var objective = setup.Objective.WithL2(l2);
                var fit = NewtonTrainer.Minimize(objective, setup.Influence.Parameters, setup.Settings.Newton);
                if (!fit.Converged) throw new FragilityException($"Newton's method did not converge for lambda {l2}: use larger values in --loo-l2.");
                influence = new InfluenceFunctions(objective, fit.Parameters, InfluenceSetup.CreateSolver(objective, fit.Parameters, setup.Settings));
            }
            var result = LeaveOneOutValidation.Run(influence, features, labels, perTest / 2, null, progress);
            rows.Add((influence.Head.Accuracy(trainFeatures, setup.TrainLabels), result));
        }
        Directory.CreateDirectory(outDir);
        InfluenceOutputs.WriteLeaveOneOut(rows.Select(r => r.Item2), chosen, setup.TrainIndices, Path.Combine(outDir, CsvFile));
        return rows;
    }
}
