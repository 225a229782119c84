namespace Fragility.Attacks;

/// <summary>The names of attacks and criteria as they appear on the command line and in result files.</summary>
public static class AttackNames
{
    /// <summary>Random sign perturbation, one draw per input: x0 + eps * sign(u), u ~ N(0, I).</summary>
    public const string Random = "random";

    /// <summary>Random sign walk of P steps of size alpha keeping the best iterate (the paper's reference code).</summary>
    public const string RandomWalk = "random_walk";

    /// <summary>Top-k attack: D = -sum_{p in B} S_p(x), B the top-k pixels of the clean map.</summary>
    public const string TopK = "topk";

    /// <summary>Mass-center attack: D = ||C(x) - C(x0)||_2.</summary>
    public const string MassCenter = "mass_center";

    /// <summary>Targeted attack: D = sum_{p in T} S_p(x) for a target region T.</summary>
    public const string Targeted = "targeted";

    /// <summary>All attack names.</summary>
    public static IReadOnlyList<string> All { get; } = [Random, RandomWalk, TopK, MassCenter, Targeted];

    /// <summary>The canonical attack name for <paramref name="name"/> (case-insensitive; "-" accepted for "_"),
    /// or a <see cref="FragilityException"/> listing the valid names.</summary>
    public static string Canonical(string name)
    {
        string n = name.Trim().ToLowerInvariant().Replace('-', '_');
        return All.Contains(n) ? n
            : throw new FragilityException($"Unknown attack '{name}'. Use one of: {string.Join(", ", All)}.");
    }

    /// <summary>The name of a criterion ("topk", "spearman", "center_shift").</summary>
    public static string Of(AttackCriterion criterion) => criterion switch
    {
        AttackCriterion.TopK => "topk",
        AttackCriterion.Spearman => "spearman",
        AttackCriterion.CenterShift => "center_shift",
        _ => throw new ArgumentOutOfRangeException(nameof(criterion)),
    };

    /// <summary>Parses a criterion name ("topk", "spearman", "center_shift"; case-insensitive).</summary>
    public static AttackCriterion ParseCriterion(string name) => name.Trim().ToLowerInvariant().Replace('-', '_') switch
    {
        "topk" or "top_k" => AttackCriterion.TopK,
        "spearman" => AttackCriterion.Spearman,
        "center_shift" or "centre_shift" => AttackCriterion.CenterShift,
        _ => throw new FragilityException($"Unknown criterion '{name}'. Use one of: topk, spearman, center_shift."),
    };
}
