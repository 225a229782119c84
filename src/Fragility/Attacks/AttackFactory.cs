using Fragility.Attribution;
using Fragility.Models;

namespace Fragility.Attacks;

/// <summary>Creates attacks by name (see <see cref="AttackNames"/>), for commands and sweeps.</summary>
public static class AttackFactory
{
    /// <summary>The attack called <paramref name="name"/>.</summary>
    /// <param name="name">"random", "random_walk", "topk", "mass_center" or "targeted" (case-insensitive).</param>
    /// <param name="model">The classifier.</param>
    /// <param name="evaluationMethod">Method whose maps are attacked and compared.</param>
    /// <param name="settings">Epsilon, step, iterations, k, beta, criterion, seed.</param>
    /// <param name="gradientMethod">Cheaper instance of the method for attack gradients (e.g. IG with fewer path points); default the evaluation method.</param>
    /// <param name="target">Target region; required for "targeted".</param>
    /// <param name="criterionMethod">Cheaper instance of the method that scores the iterates of the iterative attacks
    /// (see <see cref="CriterionQuadrature"/>); default the evaluation method (the paper's). The random attacks keep
    /// the evaluation method: their draws are not chosen among many iterates by a map.</param>
    public static IMapAttack Create(string name, Classifier model, IAttributionMethod evaluationMethod, AttackSettings settings,
        IAttributionMethod? gradientMethod = null, TargetRegion? target = null, IAttributionMethod? criterionMethod = null) => AttackNames.Canonical(name) switch
    {
        AttackNames.Random => new RandomSignPerturbation(model, evaluationMethod, settings),
        AttackNames.RandomWalk => new RandomSignPerturbation(model, evaluationMethod, settings, walk: true),
        AttackNames.TopK => FragilityAttack.TopK(model, evaluationMethod, settings, gradientMethod, criterionMethod),
        AttackNames.MassCenter => FragilityAttack.MassCenter(model, evaluationMethod, settings, gradientMethod, criterionMethod),
        AttackNames.Targeted => FragilityAttack.Targeted(model, evaluationMethod, settings,
            target ?? throw new FragilityException("The targeted attack needs a target: pass --target-region row0,col0,row1,col1 or --target-mask PNG."), gradientMethod, criterionMethod),
        var other => throw new FragilityException($"Unknown attack '{other}'. Use one of: {string.Join(", ", AttackNames.All)}."),
    };
}
