using Fragility.Geometry;

namespace Fragility.Experiments.Geometry;

/// <summary>One model of <see cref="LipschitzExperiment"/>: its description, its Lipschitz constants and its fragility.</summary>
/// <param name="Model">Model file name.</param>
/// <param name="Architecture">Registry architecture.</param>
/// <param name="Description">Training facts from the metadata (seed, activation, weight decay, training images, accuracy).</param>
/// <param name="Images">Images measured.</param>
/// <param name="Bound">Certified upper bound of the network's Lipschitz constant (<see cref="LipschitzBound"/>).</param>
/// <param name="CleanGradientNorm">Mean ||grad_x score_y|| at the clean images.</param>
/// <param name="EmpiricalLipschitz">Mean over images of the largest ||grad_x score_y|| found in the eps ball (<see cref="GradientNormAscent"/>).</param>
/// <param name="MapLipschitz">Mean over images of the local Lipschitz estimate of the saliency map under random noise of radius eps
/// (Alvarez-Melis and Jaakkola; <see cref="Fragility.Metrics.LocalLipschitzEstimate"/>).</param>
/// <param name="AdversarialMapLipschitz">Mean over images of ||S(x_adv) - S(x)|| / ||x_adv - x|| for the top-k attack's image.</param>
/// <param name="TopKIntersection">Mean top-k intersection after the top-k attack (fragility = 1 minus this).</param>
/// <param name="Spearman">Mean Spearman correlation after the top-k attack.</param>
/// <param name="RandomTopKIntersection">Mean top-k intersection after the random sign perturbation of the same eps.</param>
/// <param name="LabelKept">Fraction of top-k attacks that kept the label.</param>
public sealed record LipschitzModelRow(string Model, string Architecture, string Description, int Images, double Bound, double CleanGradientNorm,
    double EmpiricalLipschitz, double MapLipschitz, double AdversarialMapLipschitz, double TopKIntersection, double Spearman, double RandomTopKIntersection, double LabelKept);
