namespace Fragility.Audit;

/// <summary>The score card's line of one attribution method.</summary>
public sealed record MethodScore
{
    /// <summary>Method name (as in results.jsonl).</summary>
    public string Method { get; init; } = "";

    /// <summary>Every setting that changes the map (reference, path points, samples...).</summary>
    public string Description { get; init; } = "";

    /// <summary>The verdict at the largest epsilon audited (<see cref="VerdictThresholds"/>).</summary>
    public Verdict Verdict { get; init; }

    /// <summary>T: top-k intersection under the strongest attack per image at the largest epsilon, with its interval.</summary>
    public ScoreInterval Robustness { get; init; } = new(double.NaN, double.NaN, double.NaN, 0);

    /// <summary>The smallest epsilon audited at which the map keeps less than half its top-k under attack; null when
    /// none of them breaks it.</summary>
    public double? BreakingEpsilon { get; init; }

    /// <summary>Attacked and random-noise scores at every epsilon.</summary>
    public IReadOnlyList<EpsilonScore> Epsilons { get; init; } = [];

    /// <summary>Mean Spearman correlation of the maps of the trained and the randomised model (low is good).</summary>
    public double Randomisation { get; init; } = double.NaN;

    /// <summary>True when <see cref="Randomisation"/> is below the sanity threshold: the map depends on what the model learned.</summary>
    public bool PassesSanity { get; init; }

    /// <summary>Mean deletion AUC (lower is more faithful).</summary>
    public double Deletion { get; init; } = double.NaN;

    /// <summary>Mean insertion AUC (higher is more faithful).</summary>
    public double Insertion { get; init; } = double.NaN;

    /// <summary>Milliseconds per map on the audit's machine.</summary>
    public double MillisecondsPerMap { get; init; } = double.NaN;
}
