using Fragility.Attacks;

namespace Fragility.Serve;

/// <summary>The result of a finished attack: the returned image and both maps (flat, C order), its outcome and the
/// top-k intersection (with k) and Spearman correlation of the returned map against the clean map.</summary>
internal sealed record AttackFinal(float[] Perturbed, float[] CleanMap, float[] PerturbedMap, AttackOutcome Outcome, int K, double TopK, double Spearman);
