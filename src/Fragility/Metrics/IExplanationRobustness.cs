using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// A robustness metric of an explanation under random input noise, which recomputes the explanation on
/// perturbed copies of the inputs (as Captum's <c>sensitivity_max</c> and Quantus' robustness metrics do),
/// unlike <see cref="IMapComparison"/>, which compares two given maps.
/// </summary>
public interface IExplanationRobustness
{
    /// <summary>Short name of the metric, e.g. "max_sensitivity".</summary>
    string Name { get; }

    /// <summary>True when a larger value means a more robust explanation (false for all sensitivity metrics).</summary>
    bool HigherMeansMoreRobust { get; }

    /// <summary>Evaluates the metric for every input of a batch.</summary>
    /// <param name="explain">
    /// The explanation: takes a batch [N, C, H, W] on the pixel scale [0, 1] and returns the attribution of
    /// each input as a floating-point tensor [N, ...] (any trailing shape, e.g. [N, C, H, W] raw attributions or
    /// [N, H, W] post-processed maps). It may use autograd internally; its result is detached.
    /// </param>
    /// <param name="inputs">The clean inputs, [N, C, H, W], floating point, values in [0, 1]; not modified.</param>
    /// <returns>One value per input, in batch order.</returns>
    double[] Evaluate(Func<Tensor, Tensor> explain, Tensor inputs);
}
