using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// A dissimilarity D between the saliency map of a perturbed input and the clean input's map, to be maximised by an
/// attack (docs/method.md §4.2). An instance is bound to one batch: it holds each input's clean data (top-k set, centroid,
/// target mask) and evaluates D for a batch of maps of the same inputs, in the same order.
/// </summary>
public interface IDissimilarityObjective : IDisposable
{
    /// <summary>Attack name of the objective ("topk", "mass_center", "targeted").</summary>
    string Name { get; }

    /// <summary>
    /// D for each map: <paramref name="maps"/> is [N, H, W] (non-negative, normalised to sum 1 per map, as
    /// <see cref="Fragility.Attribution.SaliencyMaps.FromAttribution"/> gives), the result is [N] in the maps' dtype.
    /// Differentiable: gradients flow to <paramref name="maps"/>.
    /// </summary>
    Tensor Evaluate(Tensor maps);
}
