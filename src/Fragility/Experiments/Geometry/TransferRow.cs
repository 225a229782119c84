namespace Fragility.Experiments.Geometry;

/// <summary>One target model of <see cref="TransferExperiment"/>: how much the perturbations found on the source model's
/// explanation, and random sign noise of the same epsilon, move the target's maps.</summary>
/// <param name="Model">Target model file name.</param>
/// <param name="Relation">How it relates to the source ("source itself", "other seed", "other architecture", "other data set", ...,
/// from the metadata).</param>
/// <param name="Dataset">Data set the target was trained on.</param>
/// <param name="Images">Images compared.</param>
/// <param name="TransferTopK">Mean top-k intersection of the target's maps at x and x + delta_attack.</param>
/// <param name="RandomTopK">Mean top-k intersection at x and x + delta_random.</param>
/// <param name="TransferSpearman">Mean Spearman correlation at x and x + delta_attack.</param>
/// <param name="RandomSpearman">Mean Spearman correlation at x and x + delta_random.</param>
/// <param name="TransferLabelKept">Fraction of images whose target label is unchanged by delta_attack.</param>
/// <param name="RandomLabelKept">Fraction of images whose target label is unchanged by delta_random.</param>
public sealed record TransferRow(string Model, string Relation, string Dataset, int Images, double TransferTopK, double RandomTopK,
    double TransferSpearman, double RandomSpearman, double TransferLabelKept, double RandomLabelKept);
