using Fragility.Attribution.Propagation;

namespace Fragility.Attribution;

/// <summary>Makes attribution methods from their command-line names.</summary>
public static class AttributionMethods
{
    /// <summary>The valid names: gradient, grad_x_input, ig, deeplift, deeplift_gradmax (DeepLIFT with max-pool
    /// gradient routing), lrp (deep Taylor z+/z^B), lrp_epsilon, smoothgrad (around the simple gradient).</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["gradient", "grad_x_input", "ig", "deeplift", "deeplift_gradmax", "lrp", "lrp_epsilon", "smoothgrad"];

    /// <summary>The method called <paramref name="name"/> (case-insensitive) with <paramref name="options"/>
    /// (defaults when null); an unknown name is a <see cref="FragilityException"/> listing the valid ones.</summary>
    public static IAttributionMethod Create(string name, AttributionOptions? options = null)
    {
        var o = options ?? new AttributionOptions();
        return name.ToLowerInvariant() switch
        {
            "gradient" => new SimpleGradient(),
            "grad_x_input" => new GradientTimesInput(o.Reference),
            "ig" => new IntegratedGradients(o.IgSteps, o.IgRule, o.Reference, o.InternalBatchSize),
            "deeplift" => new DeepLift(o.Reference, MaxPoolMode.KeepCompleteness),
            "deeplift_gradmax" => new DeepLift(o.Reference, MaxPoolMode.Gradient),
            "lrp" => new DeepTaylor(),
            "lrp_epsilon" => new LrpEpsilon(o.LrpEpsilon),
            "smoothgrad" => new SmoothGrad(new SimpleGradient(), o.SmoothGradSamples, o.SmoothGradSigma255, o.SmoothGradSquared, o.Seed, o.InternalBatchSize),
            _ => throw new FragilityException($"Unknown attribution method '{name}'. Choose one of: {string.Join(", ", Names)}."),
        };
    }
}
