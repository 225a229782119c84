namespace Fragility.Influence;

/// <summary>One row of summary.csv: an attack at one epsilon over its test points (standard deviations are sample ones, n - 1).</summary>
/// <param name="Attack">Attack name.</param>
/// <param name="Epsilon">Epsilon in 0-255 units.</param>
/// <param name="Tests">Number of test points.</param>
/// <param name="SpearmanMean">Mean Spearman correlation of the influence vectors before/after.</param>
/// <param name="SpearmanStd">Its standard deviation.</param>
/// <param name="TopKeptMean">Mean number of the original top-k helpful points still in the top k.</param>
/// <param name="TopKeptStd">Its standard deviation.</param>
/// <param name="K">k.</param>
/// <param name="LabelKeptRate">Share of test points whose head label is unchanged.</param>
/// <param name="NetworkLabelKeptRate">Share whose full-network label is unchanged.</param>
/// <param name="LinfMean">Mean realised L-infinity size (0-255 units).</param>
/// <param name="AngleGradientMean">Mean angle (degrees) between grad_x of the test loss and grad_x D (NaN for random).</param>
/// <param name="AnglePerturbationMean">Mean angle (degrees) between grad_x of the test loss and the perturbation.</param>
/// <param name="ProbabilityChangeMean">Mean change of the head's probability of the label (after - before).</param>
/// <param name="Failures">Iterative attacks that found no admissible iterate.</param>
public sealed record InfluenceSummaryRow(string Attack, double Epsilon, int Tests, double SpearmanMean, double SpearmanStd, double TopKeptMean, double TopKeptStd, int K,
    double LabelKeptRate, double NetworkLabelKeptRate, double LinfMean, double AngleGradientMean, double AnglePerturbationMean, double ProbabilityChangeMean, int Failures);
