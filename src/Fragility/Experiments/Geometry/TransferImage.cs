namespace Fragility.Experiments.Geometry;

/// <summary>One image on one model of a <see cref="TransferResult"/>.</summary>
/// <param name="Model">Model file name.</param>
/// <param name="Image">Index of the image in the data set's test split.</param>
/// <param name="TransferTopK">Top-k intersection of the model's maps at x and x + delta_attack.</param>
/// <param name="RandomTopK">Top-k intersection at x and x + delta_random.</param>
/// <param name="TransferSpearman">Spearman correlation at x and x + delta_attack.</param>
/// <param name="RandomSpearman">Spearman correlation at x and x + delta_random.</param>
/// <param name="TransferLabelKept">Whether the model's label is unchanged by delta_attack.</param>
/// <param name="RandomLabelKept">Whether it is unchanged by delta_random.</param>
/// <param name="SourceAttackSucceeded">Whether the attack on the source found an admissible perturbation.</param>
public sealed record TransferImage(string Model, int Image, double TransferTopK, double RandomTopK, double TransferSpearman, double RandomSpearman,
    bool TransferLabelKept, bool RandomLabelKept, bool SourceAttackSucceeded);
