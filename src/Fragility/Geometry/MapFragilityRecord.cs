namespace Fragility.Geometry;

/// <summary>How far one attack moved one image's saliency map (the attack's returned image against the clean one).</summary>
/// <param name="Position">Position of the image among the images given to <see cref="MapFragility.Measure"/>.</param>
/// <param name="TopKIntersection">Top-k intersection of the maps, in [0, 1] (1: unchanged).</param>
/// <param name="Spearman">Spearman rank correlation of the maps, in [-1, 1].</param>
/// <param name="CenterShift">Centre-of-mass shift in pixels.</param>
/// <param name="MapChangePerInput">Adversarial local Lipschitz ratio of the map,
/// <c>||S(x') - S(x)||_2 / ||x' - x||_2</c> (maps normalised to sum 1; inputs on the [0, 1] scale); 0 when x' = x.</param>
/// <param name="LabelKept">Whether the returned image keeps the clean label (false only for a failed attack).</param>
/// <param name="Failed">True when no admissible iterate was found (the clean input is returned).</param>
public sealed record MapFragilityRecord(int Position, double TopKIntersection, double Spearman, double CenterShift,
    double MapChangePerInput, bool LabelKept, bool Failed);
