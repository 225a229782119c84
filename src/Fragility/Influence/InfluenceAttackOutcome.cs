namespace Fragility.Influence;

/// <summary>The result of attacking one test point's influence explanation at one epsilon.</summary>
public sealed record InfluenceAttackOutcome
{
    /// <summary>Attack name (see <see cref="InfluenceAttackOptions.Name"/>).</summary>
    public required string Attack { get; init; }

    /// <summary>Epsilon in 0-255 units.</summary>
    public required double Epsilon { get; init; }

    /// <summary>Caller's id of the test point (e.g. its data-set index).</summary>
    public required int TestId { get; init; }

    /// <summary>Spearman rank correlation (average ranks for ties) of the whole influence vectors before and after, in [-1, 1].</summary>
    public required double Spearman { get; init; }

    /// <summary>How many of the original top-k helpful training points are in the top k after (k = <see cref="InfluenceAttackOptions.KeepTop"/>).</summary>
    public required int TopKept { get; init; }

    /// <summary>True when the head's predicted label is unchanged.</summary>
    public required bool HeadLabelKept { get; init; }

    /// <summary>True when the full network's predicted label (over all its classes) is unchanged.</summary>
    public required bool NetworkLabelKept { get; init; }

    /// <summary>Realised L-infinity size of the perturbation in 0-255 units.</summary>
    public required double LinfRealized { get; init; }

    /// <summary>Angle in degrees between grad_x of the test loss and grad_x D at the clean input (NaN for the random baseline).</summary>
    public required double AngleGradientDegrees { get; init; }

    /// <summary>Angle in degrees between grad_x of the test loss at the clean input and the realised perturbation (NaN if none).</summary>
    public required double AnglePerturbationDegrees { get; init; }

    /// <summary>Iterative attack: true when no iterate kept the head's label (the clean input is returned).</summary>
    public required bool Failed { get; init; }

    /// <summary>Iterative attack: the step of the returned iterate (0 = clean input); 1 for the single-step and random ones.</summary>
    public required int BestStep { get; init; }

    /// <summary>Head's probability of the test label before and after.</summary>
    public required double ProbabilityBefore { get; init; }

    /// <summary>Head's probability of the test label after.</summary>
    public required double ProbabilityAfter { get; init; }

    /// <summary>D with the original top helpful points on the ReLU network's influence, before.</summary>
    public required double ObjectiveBefore { get; init; }

    /// <summary>The same D after.</summary>
    public required double ObjectiveAfter { get; init; }

    /// <summary>Positions of the top-k helpful training points before (most helpful first).</summary>
    public required int[] TopBefore { get; init; }

    /// <summary>Positions of the top-k helpful training points after.</summary>
    public required int[] TopAfter { get; init; }

    /// <summary>Influence values of <see cref="TopBefore"/>, before.</summary>
    public required double[] TopBeforeValues { get; init; }

    /// <summary>Influence values of <see cref="TopAfter"/>, after.</summary>
    public required double[] TopAfterValues { get; init; }

    /// <summary>The whole influence vector after.</summary>
    public required double[] InfluenceAfter { get; init; }

    /// <summary>The returned (perturbed) image, pixel scale [0, 1], flattened C x H x W.</summary>
    public required float[] Perturbed { get; init; }
}
