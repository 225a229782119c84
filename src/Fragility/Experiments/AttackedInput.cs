using Fragility.Attacks;

namespace Fragility.Experiments;

/// <summary>One input of <see cref="AttackExperiment.Run"/>: what the attack achieved and how the map moved.</summary>
/// <param name="Image">Index of the input in the input set (its data-set index for "dataset:N").</param>
/// <param name="Item">Name of the input (file name, or "test:{index}").</param>
/// <param name="Outcome">The attack's outcome (labels, confidences, L-infinity size in 0-255 units, failure).</param>
/// <param name="TopKIntersection">Top-k intersection of the returned map with the clean map, in [0, 1].</param>
/// <param name="Spearman">Spearman rank correlation of the two maps, in [-1, 1].</param>
/// <param name="Kendall">Kendall tau-b of the two maps, in [-1, 1].</param>
/// <param name="CenterShift">Centre-of-mass shift between the two maps, in pixels.</param>
/// <param name="Seconds">Wall-clock seconds of the attack per input (batch time / batch size).</param>
public sealed record AttackedInput(int Image, string Item, AttackOutcome Outcome, double TopKIntersection, double Spearman,
    double Kendall, double CenterShift, double Seconds);
