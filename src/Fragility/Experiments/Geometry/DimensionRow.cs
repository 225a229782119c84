namespace Fragility.Experiments.Geometry;

/// <summary>One input size of a <see cref="DimensionResult"/>: its model and the fragility of its maps.</summary>
/// <param name="Size">Input side in pixels.</param>
/// <param name="K">k of the top-k objective and metric, in pixels.</param>
/// <param name="Model">Model file name.</param>
/// <param name="TestAccuracy">The model's test accuracy (NaN when unknown).</param>
/// <param name="Images">Images attacked.</param>
/// <param name="TopKMean">Mean top-k intersection after the top-k attack.</param>
/// <param name="TopKStandardDeviation">Its standard deviation over images.</param>
/// <param name="Spearman">Mean Spearman correlation after the top-k attack.</param>
/// <param name="CenterShift">Mean centre-of-mass shift after the top-k attack, in pixels.</param>
/// <param name="LabelKept">Fraction of top-k attacks that kept the label.</param>
/// <param name="RandomTopK">Mean top-k intersection after random sign noise.</param>
/// <param name="RandomSpearman">Mean Spearman correlation after random sign noise.</param>
public sealed record DimensionRow(int Size, int K, string Model, double TestAccuracy, int Images, double TopKMean, double TopKStandardDeviation,
    double Spearman, double CenterShift, double LabelKept, double RandomTopK, double RandomSpearman)
{
    /// <summary>Pixels per image (the input dimension per channel).</summary>
    public int Pixels => Size * Size;

    /// <summary>The centre-of-mass shift as a fraction of the side.</summary>
    public double CenterShiftPerSide => CenterShift / Size;
}
