using System.Text.Json.Serialization;

namespace Fragility.Serve;

/// <summary>The event of one attack step: the iterate's numbers and, now and then, its map over it (a PNG data URL).
/// Once the attack is over the pictures are dropped (the last event carries the final ones), so a finished attack
/// keeps only numbers.</summary>
internal sealed class StepEvent
{
    public string Type => "step";

    public required int Step { get; init; }

    public required int Steps { get; init; }

    [JsonPropertyName("topk")]
    public required double TopK { get; init; }

    public required double Spearman { get; init; }

    public required double Criterion { get; init; }

    public required long Label { get; init; }

    public required string LabelName { get; init; }

    public required float Confidence { get; init; }

    public required bool Admissible { get; init; }

    public string? Map { get; set; }
}
