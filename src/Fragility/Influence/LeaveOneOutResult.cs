namespace Fragility.Influence;

/// <summary>Result of <see cref="LeaveOneOutValidation.Run"/>.</summary>
/// <param name="L2">lambda of the head.</param>
/// <param name="Rows">Every comparison.</param>
/// <param name="Pearson">Pearson correlation of predicted and actual changes over all rows (1 = perfect linear agreement).</param>
/// <param name="PerTestPearson">The same correlation per test point.</param>
/// <param name="Retrainings">Number of heads retrained (one per distinct removed point).</param>
/// <param name="WorstGradientNorm">Largest final gradient norm of the retrained heads (how well they converged).</param>
public sealed record LeaveOneOutResult(double L2, IReadOnlyList<LeaveOneOutRow> Rows, double Pearson, IReadOnlyList<double> PerTestPearson, int Retrainings, double WorstGradientNorm);
