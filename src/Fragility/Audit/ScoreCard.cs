namespace Fragility.Audit;

/// <summary>
/// The robustness score card of a model's explanations (docs/scorecard.md documents every field; the JSON form,
/// scorecard.json, is versioned by <see cref="SchemaVersion"/>). Per method: how far an imperceptible, label-keeping
/// perturbation moves the map compared with random noise of the same size, a verdict, the sanity check and
/// faithfulness; the explanation-side defences under their adaptive attacks; and a recommendation.
/// </summary>
public sealed record ScoreCard
{
    /// <summary>The version of this schema; readers should refuse a major version they do not know.</summary>
    public const string CurrentSchema = "1.0";

    /// <summary>Schema version of the file.</summary>
    public string SchemaVersion { get; init; } = CurrentSchema;

    /// <summary>The model (file name, or architecture).</summary>
    public string Model { get; init; } = "";

    /// <summary>Its architecture.</summary>
    public string Architecture { get; init; } = "";

    /// <summary>The images' data set or folder.</summary>
    public string Dataset { get; init; } = "";

    /// <summary>Images audited (stratified over classes, seeded).</summary>
    public int Images { get; init; }

    /// <summary>Images that could have been audited.</summary>
    public int UsableImages { get; init; }

    /// <summary>Share of the labelled images the model classifies correctly (null when none is labelled): the sanity
    /// check tests whether a map depends on the weights, not whether the model learned anything, so a model at chance
    /// level is flagged here instead.</summary>
    public double? Accuracy { get; init; }

    /// <summary>Attack iterations.</summary>
    public int Iterations { get; init; }

    /// <summary>Attack step, 0-255 scale.</summary>
    public double Step { get; init; }

    /// <summary>k of top-k, pixels.</summary>
    public int K { get; init; }

    /// <summary>Epsilons audited, 0-255 scale.</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = [];

    /// <summary>The epsilon the verdicts are given at (the largest audited).</summary>
    public double VerdictEpsilon { get; init; }

    /// <summary>The reference (baseline) actually used by grad_x_input, IG and DeepLIFT.</summary>
    public string Reference { get; init; } = "";

    /// <summary>Softplus beta of the twin the attacks differentiate.</summary>
    public double Beta { get; init; }

    /// <summary>The thresholds behind the verdicts.</summary>
    public VerdictThresholds Thresholds { get; init; } = VerdictThresholds.Default;

    /// <summary>The method the verdict is about (the one shown to users, or the recommended one).</summary>
    public string? ShownMethod { get; init; }

    /// <summary>The audit's verdict: that of <see cref="ShownMethod"/>.</summary>
    public Verdict Verdict { get; init; }

    /// <summary>One line per audited method.</summary>
    public IReadOnlyList<MethodScore> Methods { get; init; } = [];

    /// <summary>The explanation-side defences of the gradient map.</summary>
    public IReadOnlyList<DefenceScore> Defences { get; init; } = [];

    /// <summary>The advice.</summary>
    public Recommendation Recommendation { get; init; } = new(null, null, []);

    /// <summary>What each epsilon looks like on these images.</summary>
    public IReadOnlyList<PerturbationLook> Perturbations { get; init; } = [];

    /// <summary>Per method, the most moved image.</summary>
    public IReadOnlyList<WorstCase> WorstCases { get; init; } = [];

    /// <summary>Methods left out, and other facts a reader needs.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The command that made it.</summary>
    public string Command { get; init; } = "";

    /// <summary>When it was written (UTC, ISO 8601).</summary>
    public string CreatedUtc { get; init; } = "";
}
