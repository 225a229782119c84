namespace Fragility.Audit;

/// <summary>A method's maps at one epsilon: under the strongest attack on each image and under random noise of the same size.</summary>
/// <param name="Epsilon">Epsilon, 0-255 scale.</param>
/// <param name="TopKAttacked">Top-k intersection under the strongest attack per image (the lower of top-k and mass-center).</param>
/// <param name="SpearmanAttacked">Spearman correlation under the strongest attack per image (the lower of the two).</param>
/// <param name="TopKRandom">Top-k intersection under one random-sign draw of size epsilon.</param>
/// <param name="SpearmanRandom">Spearman correlation under the random-sign draw.</param>
/// <param name="LabelKept">Share of attacks that found a perturbation keeping the label (the others count as unmoved).</param>
public sealed record EpsilonScore(double Epsilon, ScoreInterval TopKAttacked, ScoreInterval SpearmanAttacked, ScoreInterval TopKRandom,
    ScoreInterval SpearmanRandom, double LabelKept);
