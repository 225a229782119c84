using System.Text.Json.Serialization;

namespace Fragility.Influence;

/// <summary>
/// One line of an influence attack's results.jsonl: one test point attacked by one attack at one epsilon. Training
/// points are named by their data-set index (training split, file order).
/// </summary>
public sealed record InfluenceAttackRecord
{
    /// <summary>Attack name ("single-step/raw", "iterative/normalized", "random", ...).</summary>
    [JsonPropertyName("attack")] public required string Attack { get; init; }

    /// <summary>Epsilon in 0-255 units.</summary>
    [JsonPropertyName("epsilon")] public required double Epsilon { get; init; }

    /// <summary>Data-set index of the test image (test split, file order).</summary>
    [JsonPropertyName("test")] public required int Test { get; init; }

    /// <summary>Task label of the test point.</summary>
    [JsonPropertyName("label")] public required int Label { get; init; }

    /// <summary>Spearman correlation of the whole influence vectors before and after.</summary>
    [JsonPropertyName("spearman")] public required double Spearman { get; init; }

    /// <summary>How many of the original top-k helpful training points stay in the top k.</summary>
    [JsonPropertyName("top_kept")] public required int TopKept { get; init; }

    /// <summary>k of <see cref="TopKept"/>.</summary>
    [JsonPropertyName("k")] public required int K { get; init; }

    /// <summary>The head's label is unchanged.</summary>
    [JsonPropertyName("head_label_kept")] public required bool HeadLabelKept { get; init; }

    /// <summary>The full network's label is unchanged.</summary>
    [JsonPropertyName("network_label_kept")] public required bool NetworkLabelKept { get; init; }

    /// <summary>Realised L-infinity size in 0-255 units.</summary>
    [JsonPropertyName("linf")] public required double Linf { get; init; }

    /// <summary>Angle (degrees) between grad_x of the test loss and grad_x D at the clean input; null for the random baseline.</summary>
    [JsonPropertyName("angle_gradient_deg")] public double? AngleGradient { get; init; }

    /// <summary>Angle (degrees) between grad_x of the test loss and the realised perturbation; null when there is none.</summary>
    [JsonPropertyName("angle_perturbation_deg")] public double? AnglePerturbation { get; init; }

    /// <summary>Iterative attack found no iterate keeping the head's label (clean input reported).</summary>
    [JsonPropertyName("failed")] public required bool Failed { get; init; }

    /// <summary>Step of the returned iterate.</summary>
    [JsonPropertyName("best_step")] public required int BestStep { get; init; }

    /// <summary>Head's probability of the label before.</summary>
    [JsonPropertyName("p_before")] public required double ProbabilityBefore { get; init; }

    /// <summary>Head's probability of the label after.</summary>
    [JsonPropertyName("p_after")] public required double ProbabilityAfter { get; init; }

    /// <summary>Objective D (original top helpful points) before.</summary>
    [JsonPropertyName("objective_before")] public required double ObjectiveBefore { get; init; }

    /// <summary>Objective D after.</summary>
    [JsonPropertyName("objective_after")] public required double ObjectiveAfter { get; init; }

    /// <summary>Top-k helpful training points before (data-set indices, most helpful first).</summary>
    [JsonPropertyName("top_before")] public required int[] TopBefore { get; init; }

    /// <summary>Their influence values before.</summary>
    [JsonPropertyName("top_before_values")] public required double[] TopBeforeValues { get; init; }

    /// <summary>Top-k helpful training points after.</summary>
    [JsonPropertyName("top_after")] public required int[] TopAfter { get; init; }

    /// <summary>Their influence values after.</summary>
    [JsonPropertyName("top_after_values")] public required double[] TopAfterValues { get; init; }

    /// <summary>The key of the line: attack, epsilon and test.</summary>
    [JsonIgnore] public (string Attack, double Epsilon, int Test) Key => (Attack, Epsilon, Test);

    /// <summary>Builds the record of an outcome; <paramref name="trainIndices"/> maps training positions to data-set indices.</summary>
    public static InfluenceAttackRecord From(InfluenceAttackOutcome o, int label, IReadOnlyList<int> trainIndices) => new()
    {
        Attack = o.Attack, Epsilon = o.Epsilon, Test = o.TestId, Label = label, Spearman = o.Spearman, TopKept = o.TopKept, K = o.TopBefore.Length,
        HeadLabelKept = o.HeadLabelKept, NetworkLabelKept = o.NetworkLabelKept, Linf = o.LinfRealized,
        AngleGradient = double.IsFinite(o.AngleGradientDegrees) ? o.AngleGradientDegrees : null,
        AnglePerturbation = double.IsFinite(o.AnglePerturbationDegrees) ? o.AnglePerturbationDegrees : null,
        Failed = o.Failed, BestStep = o.BestStep, ProbabilityBefore = o.ProbabilityBefore, ProbabilityAfter = o.ProbabilityAfter,
        ObjectiveBefore = o.ObjectiveBefore, ObjectiveAfter = o.ObjectiveAfter,
        TopBefore = o.TopBefore.Select(i => trainIndices[i]).ToArray(), TopBeforeValues = o.TopBeforeValues,
        TopAfter = o.TopAfter.Select(i => trainIndices[i]).ToArray(), TopAfterValues = o.TopAfterValues,
    };
}
