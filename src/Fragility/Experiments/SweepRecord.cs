using System.Text.Json.Serialization;

namespace Fragility.Experiments;

/// <summary>One line of results.jsonl: one input x method x attack x epsilon (field names are the file's).</summary>
internal sealed record SweepRecord
{
    [JsonPropertyName("image")] public int Image { get; init; }
    [JsonPropertyName("item")] public string? Item { get; init; }
    [JsonPropertyName("label")] public long Label { get; init; }
    [JsonPropertyName("label_name")] public string? LabelName { get; init; }
    [JsonPropertyName("method")] public string Method { get; init; } = "";
    [JsonPropertyName("attack")] public string Attack { get; init; } = "";
    [JsonPropertyName("epsilon")] public double Epsilon { get; init; }
    [JsonPropertyName("k")] public int K { get; init; }
    [JsonPropertyName("topk_intersection")] public double TopkIntersection { get; init; }
    [JsonPropertyName("spearman")] public double Spearman { get; init; }
    [JsonPropertyName("kendall")] public double Kendall { get; init; }
    [JsonPropertyName("center_shift")] public double CenterShift { get; init; }
    [JsonPropertyName("label_after")] public long LabelAfter { get; init; }
    [JsonPropertyName("label_kept")] public bool LabelKept { get; init; }
    [JsonPropertyName("confidence_before")] public double ConfidenceBefore { get; init; }
    [JsonPropertyName("confidence_after")] public double ConfidenceAfter { get; init; }
    [JsonPropertyName("linf")] public double Linf { get; init; }
    [JsonPropertyName("failed")] public bool Failed { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
}
