using MathNet.Numerics.Statistics;

namespace Fragility.Metrics;

/// <summary>
/// Pearson's linear correlation coefficient of the flattened maps,
/// <c>r = sum_p (S0_p - mean S0)(S1_p - mean S1) / sqrt(sum_p (S0_p - mean S0)^2 * sum_p (S1_p - mean S1)^2)</c>.
/// </summary>
/// <remarks>
/// <para>Source: Pearson (1895); a common extra in saliency robustness studies (e.g. Adebayo et al., "Sanity
/// Checks for Saliency Maps", NeurIPS 2018). Computed with MathNet.Numerics <c>Correlation.Pearson</c> in
/// float64.</para>
/// <para>Range: [-1, 1]. Higher means more similar. Unlike the rank metrics it is sensitive to the values,
/// so a few very bright pixels dominate it.</para>
/// <para>Constant map (zero variance, so 0/0): 1 when both maps are constant, 0 when exactly one is (same
/// rule as <see cref="SpearmanRankCorrelation"/>). Never NaN.</para>
/// </remarks>
public sealed class PearsonCorrelation : IMapComparison
{
    /// <inheritdoc />
    public string Name => "pearson";

    /// <inheritdoc />
    public bool HigherMeansMoreSimilar => true;

    /// <inheritdoc />
    public double Compare(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int height, int width)
    {
        MapChecks.Pair(clean, perturbed, height, width);
        if (MapChecks.ConstantCase(clean, perturbed) is double special) return special;
        // Rounding can push |r| a hair above 1 for (anti)proportional maps; keep the documented range.
        return Math.Clamp(Correlation.Pearson(MapChecks.ToDouble(clean), MapChecks.ToDouble(perturbed)), -1.0, 1.0);
    }
}
