namespace Fragility.Metrics;

/// <summary>What a catalogue metric is computed from, which decides where a sweep evaluates it.</summary>
public enum MetricSubject
{
    /// <summary>A pair of maps of one image, the clean map S0 and the perturbed map S1: one value per attack, epsilon
    /// and image (<see cref="IMapComparison"/>).</summary>
    MapPair,

    /// <summary>The clean input's explanation alone (it is recomputed on noisy inputs, on the input with pixels deleted,
    /// or on a randomised model): one value per image and method, the same on every attack and epsilon.</summary>
    CleanExplanation,
}
