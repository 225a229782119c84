using System.Text.Json.Serialization;
using Fragility.Metrics;

namespace Fragility.Reporting;

/// <summary>
/// One line of a sweep's <c>results.jsonl</c>: the outcome of one attack (method x attack x epsilon) on one input.
/// JSON names are the snake_case of the property names (<c>topk_intersection</c>, <c>center_shift</c>, ...);
/// every field but <see cref="Image"/>, <see cref="Method"/>, <see cref="Attack"/> and <see cref="Epsilon"/> is optional.
/// The metric fields are named as in the <see cref="MetricCatalogue"/>; a metric the sweep did not compute
/// (<c>sweep --metrics</c>) is left out of the line rather than written as null.
/// </summary>
public sealed record ResultRecord
{
    /// <summary>Index of the input in the data set.</summary>
    public int Image { get; init; }

    /// <summary>Optional name of the input (e.g. its file name).</summary>
    public string? Item { get; init; }

    /// <summary>Predicted label of the clean input (the label the map explains).</summary>
    public int? Label { get; init; }

    /// <summary>Class name of <see cref="Label"/>.</summary>
    public string? LabelName { get; init; }

    /// <summary>Explanation method (e.g. "gradient", "ig", "deeplift").</summary>
    public string Method { get; init; } = "";

    /// <summary>Attack (e.g. "random", "topk", "mass_center").</summary>
    public string Attack { get; init; } = "";

    /// <summary>L-infinity budget of the attack, on the 0-255 pixel scale.</summary>
    public double Epsilon { get; init; }

    /// <summary>k of the top-k intersection (number of pixels).</summary>
    public int? K { get; init; }

    /// <summary>Top-k intersection |topk(S0) ∩ topk(S1)| / k of the clean and perturbed maps, in [0, 1].</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? TopkIntersection { get; init; }

    /// <summary>Spearman rank-order correlation of the two maps, in [-1, 1].</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Spearman { get; init; }

    /// <summary>Kendall tau-b of the two maps, in [-1, 1] (optional extra).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Kendall { get; init; }

    /// <summary>Distance between the centres of mass of the two maps, in pixels.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CenterShift { get; init; }

    /// <summary>Pearson correlation of the two maps, in [-1, 1] (only when chosen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Pearson { get; init; }

    /// <summary>Structural similarity of the two maps, in [-1, 1] (only when chosen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Ssim { get; init; }

    /// <summary>Max-sensitivity of the clean input's map (only when chosen; the same on every attack and epsilon).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxSensitivity { get; init; }

    /// <summary>Average sensitivity of the clean input's map (only when chosen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? AvgSensitivity { get; init; }

    /// <summary>Local Lipschitz estimate of the clean input's map (only when chosen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LocalLipschitz { get; init; }

    /// <summary>Deletion AUC of the clean input's map, in [0, 1] (only when chosen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? DeletionAuc { get; init; }

    /// <summary>Insertion AUC of the clean input's map, in [0, 1] (only when chosen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? InsertionAuc { get; init; }

    /// <summary>Spearman correlation of the clean map with a randomised model's map (only when chosen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? RandomisationSpearman { get; init; }

    /// <summary>Predicted label of the perturbed input.</summary>
    public int? LabelAfter { get; init; }

    /// <summary>Whether the predicted label stayed the same.</summary>
    public bool? LabelKept { get; init; }

    /// <summary>Softmax probability of <see cref="Label"/> at the clean input.</summary>
    public double? ConfidenceBefore { get; init; }

    /// <summary>Softmax probability of the predicted label at the perturbed input.</summary>
    public double? ConfidenceAfter { get; init; }

    /// <summary>Realised L-infinity size of the perturbation, on the 0-255 scale.</summary>
    public double? Linf { get; init; }

    /// <summary>True when the attack found no admissible (label-keeping) iterate and returned the clean input.</summary>
    public bool Failed { get; init; }

    /// <summary>Wall-clock seconds spent on this attack.</summary>
    public double? Seconds { get; init; }

    /// <summary>
    /// Whether the label was kept: <see cref="LabelKept"/> if given, else <see cref="LabelAfter"/> == <see cref="Label"/>
    /// if both are given, else true for a failed attack (the clean input is returned), else null (unknown).
    /// </summary>
    [JsonIgnore]
    public bool? EffectiveLabelKept =>
        LabelKept ?? (LabelAfter is int after && Label is int before ? after == before : Failed ? true : null);

    /// <summary>The value of the catalogue metric <paramref name="name"/> (<see cref="MetricCatalogue"/>), or null.</summary>
    public double? Metric(string name) => name switch
    {
        MetricCatalogue.TopK => TopkIntersection,
        MetricCatalogue.Spearman => Spearman,
        MetricCatalogue.Kendall => Kendall,
        MetricCatalogue.CenterShift => CenterShift,
        MetricCatalogue.Pearson => Pearson,
        MetricCatalogue.Ssim => Ssim,
        MetricCatalogue.MaxSensitivity => MaxSensitivity,
        MetricCatalogue.AvgSensitivity => AvgSensitivity,
        MetricCatalogue.LocalLipschitz => LocalLipschitz,
        MetricCatalogue.DeletionAuc => DeletionAuc,
        MetricCatalogue.InsertionAuc => InsertionAuc,
        MetricCatalogue.RandomisationSpearman => RandomisationSpearman,
        _ => throw new ArgumentException($"'{name}' is not a metric of the catalogue.", nameof(name)),
    };

    /// <summary>A copy with the catalogue metric <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public ResultRecord WithMetric(string name, double value) => name switch
    {
        MetricCatalogue.TopK => this with { TopkIntersection = value },
        MetricCatalogue.Spearman => this with { Spearman = value },
        MetricCatalogue.Kendall => this with { Kendall = value },
        MetricCatalogue.CenterShift => this with { CenterShift = value },
        MetricCatalogue.Pearson => this with { Pearson = value },
        MetricCatalogue.Ssim => this with { Ssim = value },
        MetricCatalogue.MaxSensitivity => this with { MaxSensitivity = value },
        MetricCatalogue.AvgSensitivity => this with { AvgSensitivity = value },
        MetricCatalogue.LocalLipschitz => this with { LocalLipschitz = value },
        MetricCatalogue.DeletionAuc => this with { DeletionAuc = value },
        MetricCatalogue.InsertionAuc => this with { InsertionAuc = value },
        MetricCatalogue.RandomisationSpearman => this with { RandomisationSpearman = value },
        _ => throw new ArgumentException($"'{name}' is not a metric of the catalogue.", nameof(name)),
    };
}
