namespace Fragility.Influence;

/// <summary>The perturbations of <see cref="InfluenceAttack"/>.</summary>
public enum InfluenceAttackKind
{
    /// <summary>The paper's attack: one step x_t + epsilon * sign(grad_x D(x_t)), clipped to the valid range. The result is kept
    /// even when it changes the label (reported as label kept = false).</summary>
    SingleStep,

    /// <summary>Algorithm 1's loop: P steps of size alpha projected onto the epsilon ball and the valid range; returns the
    /// iterate with the lowest Spearman correlation among those whose head label is unchanged.</summary>
    Iterative,

    /// <summary>Baseline: x_t + epsilon * sign(u), u ~ N(0, I), one seeded draw per test point and epsilon, clipped. Unlike the
    /// map attacks' baseline, a draw that changes the label is kept and reported (label kept = false), as for the single step.</summary>
    RandomSign,
}
