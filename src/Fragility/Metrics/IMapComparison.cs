using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// A metric between two saliency maps of the same image: S0 (the clean input's map) and S1 (the perturbed
/// input's map). Maps are non-negative, flattened row-major (index p = row * width + col, length
/// height * width), one value per pixel, as produced by the shared post-processing (absolute value, summed
/// over channels, normalised to sum to 1; docs/method.md §2.6, §3).
/// </summary>
/// <remarks>
/// Every implementation throws <see cref="ArgumentException"/> when the two maps differ in length, when
/// height * width differs from their length, when height or width is not positive, or when a map holds a NaN
/// or an infinity (an upstream bug that must not pass silently). None returns NaN.
/// </remarks>
public interface IMapComparison
{
    /// <summary>Short name of the metric, e.g. "spearman" (its catalogue name is in <see cref="MetricCatalogue"/>).</summary>
    string Name { get; }

    /// <summary>
    /// True when a larger value means the two maps are more alike (top-k intersection, correlations, SSIM);
    /// false for distances (centre-of-mass shift). An attack minimises a similarity and maximises a distance.
    /// </summary>
    bool HigherMeansMoreSimilar { get; }

    /// <summary>Compares the clean map <paramref name="clean"/> (S0) with the perturbed map <paramref name="perturbed"/> (S1).</summary>
    /// <param name="clean">S0, row-major, length <paramref name="height"/> * <paramref name="width"/>.</param>
    /// <param name="perturbed">S1, same layout as <paramref name="clean"/>.</param>
    /// <param name="height">Map height in pixels.</param>
    /// <param name="width">Map width in pixels.</param>
    double Compare(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int height, int width);

    /// <summary>
    /// The metric of each row pair of two batches of maps [N, H, W] (clean, perturbed; any floating dtype and device),
    /// one value per row in batch order. By default <see cref="Compare"/> on each pair; top-k intersection and the
    /// centre shift use their batched tensor forms, which agree with it.
    /// </summary>
    double[] CompareRows(Tensor clean, Tensor perturbed) => MapPairs.Compare(this, clean, perturbed);
}
