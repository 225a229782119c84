namespace Fragility.Reporting;

/// <summary>
/// Aggregates of one (method, attack, epsilon) cell of a sweep over its inputs. Means are over the inputs whose
/// value is a finite number; standard deviations are sample standard deviations (divisor n − 1) and NaN when fewer
/// than two values exist; a metric no record reports is NaN. See <see cref="SweepSummary"/> for failed attacks.
/// </summary>
public sealed record SummaryRow
{
    /// <summary>Explanation method.</summary>
    public required string Method { get; init; }

    /// <summary>Attack.</summary>
    public required string Attack { get; init; }

    /// <summary>L-infinity budget, 0-255 scale.</summary>
    public required double Epsilon { get; init; }

    /// <summary>Number of inputs (records) in the cell.</summary>
    public required int Images { get; init; }

    /// <summary>Mean top-k intersection, in [0, 1].</summary>
    public double TopkIntersectionMean { get; init; } = double.NaN;

    /// <summary>Sample standard deviation of the top-k intersection.</summary>
    public double TopkIntersectionStd { get; init; } = double.NaN;

    /// <summary>Half-width of the 95 % t-interval of the mean top-k intersection (see <see cref="MeanInterval"/>); NaN below two inputs.</summary>
    public double TopkIntersectionCi { get; init; } = double.NaN;

    /// <summary>Mean Spearman rank-order correlation.</summary>
    public double SpearmanMean { get; init; } = double.NaN;

    /// <summary>Sample standard deviation of the Spearman correlation.</summary>
    public double SpearmanStd { get; init; } = double.NaN;

    /// <summary>Half-width of the 95 % t-interval of the mean Spearman correlation; NaN below two inputs.</summary>
    public double SpearmanCi { get; init; } = double.NaN;

    /// <summary>Mean Kendall tau-b (NaN when the sweep did not compute it).</summary>
    public double KendallMean { get; init; } = double.NaN;

    /// <summary>Sample standard deviation of Kendall tau-b.</summary>
    public double KendallStd { get; init; } = double.NaN;

    /// <summary>Mean centre-of-mass shift, pixels.</summary>
    public double CenterShiftMean { get; init; } = double.NaN;

    /// <summary>Sample standard deviation of the centre-of-mass shift, pixels.</summary>
    public double CenterShiftStd { get; init; } = double.NaN;

    /// <summary>Half-width of the 95 % t-interval of the mean centre-of-mass shift, pixels; NaN below two inputs.</summary>
    public double CenterShiftCi { get; init; } = double.NaN;

    /// <summary>Fraction of inputs whose predicted label was kept, in [0, 1] (over inputs where this is known).</summary>
    public double LabelKeptRate { get; init; } = double.NaN;

    /// <summary>Number of failed attacks (no admissible iterate; the clean input was returned).</summary>
    public int Failures { get; init; }

    /// <summary>Mean confidence (softmax probability of the clean label) at the clean inputs.</summary>
    public double ConfidenceBeforeMean { get; init; } = double.NaN;

    /// <summary>Mean confidence of the predicted label at the perturbed inputs.</summary>
    public double ConfidenceAfterMean { get; init; } = double.NaN;

    /// <summary>Mean realised L-infinity size of the perturbations, 0-255 scale.</summary>
    public double LinfMean { get; init; } = double.NaN;

    /// <summary>Largest realised L-infinity size of the perturbations, 0-255 scale.</summary>
    public double LinfMax { get; init; } = double.NaN;

    /// <summary>Top-k size in pixels, when all records of the cell agree on it; else null.</summary>
    public int? K { get; init; }

    /// <summary>Mean seconds per attack.</summary>
    public double SecondsMean { get; init; } = double.NaN;

    /// <summary>Mean and sample standard deviation of each chosen metric outside the default four (sweep --metrics),
    /// by catalogue name; empty for a default sweep.</summary>
    public IReadOnlyDictionary<string, (double Mean, double Std)> OtherMetrics { get; init; } = new Dictionary<string, (double Mean, double Std)>();
}
