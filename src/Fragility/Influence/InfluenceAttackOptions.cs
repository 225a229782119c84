namespace Fragility.Influence;

/// <summary>
/// Settings of one influence attack. Epsilon and step size are in pixel units of the 0-255 scale (8 means 8/255 on the
/// [0, 1] pixel scale the models take).
/// </summary>
public sealed record InfluenceAttackOptions
{
    /// <summary>Which perturbation (default the paper's single step).</summary>
    public InfluenceAttackKind Kind { get; init; } = InfluenceAttackKind.SingleStep;

    /// <summary>The objective D (default raw, the paper's).</summary>
    public InfluenceObjective Objective { get; init; } = InfluenceObjective.Raw;

    /// <summary>|T|: how many of the current most helpful training points the objective sums (default 3, the paper's).</summary>
    public int TopHelpful { get; init; } = 3;

    /// <summary>
    /// Iterative attack: false (default, the paper's objective) keeps T fixed at the clean input's top helpful points
    /// for every step; true re-picks T as the iterate's current top points at each step (pushes down whichever points
    /// are on top now). Measured on the documented setting at eps 8: fixed set Spearman 0.817 and 2.09 of the top 5
    /// kept, re-picked 0.835 and 2.45. The single step is the same either way (at x0 both are the clean set).
    /// </summary>
    public bool RepickTargets { get; init; }

    /// <summary>k of the "top-k kept" metric: how many of the original k most helpful points stay in the top k (default 5).</summary>
    public int KeepTop { get; init; } = 5;

    /// <summary>Iterative attack: number of steps P (default 300, as Algorithm 1's reference code).</summary>
    public int Steps { get; init; } = 300;

    /// <summary>Iterative attack: step size alpha in 0-255 units (default 0.5).</summary>
    public double StepSize { get; init; } = 0.5;

    /// <summary>
    /// Null (default): the attack gradient goes through the ReLU network itself (phi is piecewise linear in x, so
    /// its gradient is not zero; no second derivative of the network is needed). A value beta: through the softplus(beta)
    /// twin. Evaluation and the label check always use the ReLU network.
    /// </summary>
    public double? SoftplusBeta { get; init; }

    /// <summary>Seed of the random-sign baseline (combined with the test point's id, the attack and epsilon by <see cref="Attacks.AttackSeeds.For"/>).</summary>
    public int Seed { get; init; }

    /// <summary>Short name, e.g. "single-step/raw", "iterative/normalized", "random".</summary>
    public string Name => Kind switch
    {
        InfluenceAttackKind.RandomSign => "random",
        InfluenceAttackKind.SingleStep => "single-step/" + ObjectiveName(Objective),
        _ => "iterative/" + ObjectiveName(Objective) + (RepickTargets ? "/repick" : ""),
    };

    /// <summary>"raw" or "normalized".</summary>
    public static string ObjectiveName(InfluenceObjective objective) => objective == InfluenceObjective.Raw ? "raw" : "normalized";

    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        if (TopHelpful < 1) throw new FragilityException($"The objective needs at least one helpful point (--top), got {TopHelpful}.");
        if (KeepTop < 1) throw new FragilityException($"The top-k metric needs k >= 1, got {KeepTop}.");
        if (Steps < 1) throw new FragilityException($"--steps must be at least 1, got {Steps}.");
        if (!(StepSize > 0)) throw new FragilityException($"--step-size must be positive (0-255 units), got {StepSize}.");
        if (SoftplusBeta is double b && !(b > 0 && double.IsFinite(b))) throw new FragilityException($"--beta must be a positive number, got {b}.");
    }
}
