using MathNet.Numerics.Statistics;

namespace Fragility.Metrics;

/// <summary>
/// Spearman's rank-order correlation of the flattened maps: the Pearson correlation of their ranks, where
/// tied values get the average of the ranks they span (e.g. [1, 2, 2, 3] has ranks [1, 2.5, 2.5, 4]).
/// </summary>
/// <remarks>
/// <para>Source: Spearman (1904); used for saliency maps by Ghorbani, Abid and Zou, AAAI 2019, §3.
/// Computed with MathNet.Numerics <c>Correlation.Spearman</c>, which ranks with
/// <c>RankDefinition.Average</c> (average ranks for ties) and then takes Pearson's correlation.</para>
/// <para>Range: [-1, 1]; 1 when the maps order the pixels identically. Higher means more similar.</para>
/// <para>Constant map (zero rank variance, so 0/0): 1 when both maps are constant (identical rankings:
/// every pair tied in both), 0 when exactly one is (no ordering to compare; an attack that flattens a map has
/// destroyed its ranking). Never NaN, so a sweep continues.</para>
/// </remarks>
public sealed class SpearmanRankCorrelation : IMapComparison
{
    /// <inheritdoc />
    public string Name => "spearman";

    /// <inheritdoc />
    public bool HigherMeansMoreSimilar => true;

    /// <inheritdoc />
    public double Compare(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int height, int width)
    {
        MapChecks.Pair(clean, perturbed, height, width);
        if (MapChecks.ConstantCase(clean, perturbed) is double special) return special;
        // Rounding can push |r| a hair above 1 for identical rankings; keep the documented range.
        return Math.Clamp(Correlation.Spearman(MapChecks.ToDouble(clean), MapChecks.ToDouble(perturbed)), -1.0, 1.0);
    }
}
