namespace Fragility.Attribution;

/// <summary>
/// How far an attribution misses completeness, per input: Absolute = |sum_i attr_i - (score_y(x) - score_y(r))| and
/// Relative = Absolute / |score_y(x) - score_y(r)| (infinity when the score difference is zero but the sum is not,
/// zero when both are zero).
/// </summary>
/// <param name="Absolute">Per-input absolute error, in logit units.</param>
/// <param name="Relative">Per-input error relative to |score_y(x) - score_y(r)|.</param>
/// <param name="ScoreDifference">Per-input score_y(x) - score_y(r).</param>
public sealed record CompletenessError(double[] Absolute, double[] Relative, double[] ScoreDifference)
{
    /// <summary>Largest absolute error over the batch (0 for an empty batch).</summary>
    public double MaxAbsolute => Absolute.Length == 0 ? 0 : Absolute.Max();

    /// <summary>Largest relative error over the batch (0 for an empty batch).</summary>
    public double MaxRelative => Relative.Length == 0 ? 0 : Relative.Max();
}
