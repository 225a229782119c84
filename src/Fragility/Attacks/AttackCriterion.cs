namespace Fragility.Attacks;

/// <summary>
/// How an attack ranks its iterates (docs/method.md §4.1, step 2): a comparison of the iterate's map with the clean map,
/// both computed with the evaluation method on the original ReLU network. The attack returns the admissible
/// iterate (label unchanged) that is best by this criterion.
/// </summary>
public enum AttackCriterion
{
    /// <summary>Top-k intersection (fraction in [0, 1]); lower is better for the attack. Name "topk".</summary>
    TopK,

    /// <summary>Spearman rank correlation (in [-1, 1]); lower is better for the attack. Name "spearman".</summary>
    Spearman,

    /// <summary>Centre-of-mass shift (pixels); higher is better for the attack. Name "center_shift".</summary>
    CenterShift,
}
