namespace Fragility.Audit;

/// <summary>One line of checks.jsonl: the checks of one method on the audited images, beside robustness.</summary>
public sealed record MethodCheck
{
    /// <summary>The method's name in the audit's grid.</summary>
    public string Method { get; init; } = "";

    /// <summary>Data-set index of each image, in the order of the arrays below.</summary>
    public IReadOnlyList<int> Images { get; init; } = [];

    /// <summary>Per image: Spearman correlation of the maps of the trained and of the fully randomised model
    /// (the parameter-randomisation sanity check; low is good).</summary>
    public IReadOnlyList<double> Randomisation { get; init; } = [];

    /// <summary>Per image: deletion AUC (pixels removed most important first, to zero; lower is more faithful).</summary>
    public IReadOnlyList<double> Deletion { get; init; } = [];

    /// <summary>Per image: insertion AUC (pixels restored most important first, from a blur; higher is more faithful).</summary>
    public IReadOnlyList<double> Insertion { get; init; } = [];

    /// <summary>Milliseconds per map on this machine (one batch timed after a warm-up, divided by its size).</summary>
    public double MillisecondsPerMap { get; init; }
}
