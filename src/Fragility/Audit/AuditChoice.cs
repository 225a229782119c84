namespace Fragility.Audit;

/// <summary>What <see cref="AuditBudget.Choose"/> chose.</summary>
/// <param name="Images">Images to audit.</param>
/// <param name="Iterations">Attack iterations.</param>
/// <param name="EstimatedSeconds">Estimated seconds of the run (calibration not included).</param>
/// <param name="Reason">Why, in words.</param>
public sealed record AuditChoice(int Images, int Iterations, double EstimatedSeconds, string Reason)
{
    /// <summary>Half-width of the 95 % interval of a mean top-k intersection over <see cref="Images"/> images when the
    /// per-image spread (standard deviation) is <paramref name="spread"/>: 1.96 x spread / sqrt(n).</summary>
    public double HalfWidth(double spread) => 1.96 * spread / Math.Sqrt(Images);
}
