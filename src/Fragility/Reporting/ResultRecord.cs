using System.Text.Json.Serialization;

namespace Fragility.Reporting;

/// <summary>
/// One line of a sweep's <c>results.jsonl</c>: the outcome of one attack (method x attack x epsilon) on one input.
/// JSON names are the snake_case of the property names (<c>topk_intersection</c>, <c>center_shift</c>, ...);
/// every field but <see cref="Image"/>, <see cref="Method"/>, <see cref="Attack"/> and <see cref="Epsilon"/> is optional.
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
    public double? TopkIntersection { get; init; }

    /// <summary>Spearman rank-order correlation of the two maps, in [-1, 1].</summary>
    public double? Spearman { get; init; }

    /// <summary>Kendall tau-b of the two maps, in [-1, 1] (optional extra).</summary>
    public double? Kendall { get; init; }

    /// <summary>Distance between the centres of mass of the two maps, in pixels.</summary>
    public double? CenterShift { get; init; }

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
}
