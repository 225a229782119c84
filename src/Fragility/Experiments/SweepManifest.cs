using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Fragility.Experiments;

/// <summary>
/// run.json of a sweep folder: what the sweep was made with, as one record. <see cref="FragilitySweep"/> writes it;
/// the keys of <see cref="FragilitySweep.FingerprintKeys"/> make its fingerprint (<see cref="IO.RunManifest"/>'s one
/// rule), which decides whether a folder resumes; the report (<see cref="Reporting.RunInfo"/>) and the merge of shards
/// read it back. Keys are snake_case; optional parts are left out when unused, so a sweep that does not use them keeps
/// the fingerprint it had before they existed.
/// </summary>
public sealed record SweepManifest
{
    /// <summary>Serialiser options of run.json.</summary>
    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>The command line the user typed.</summary>
    public required string Command { get; init; }

    /// <summary>The model file's name (the architecture when the model came from no file).</summary>
    public required string Model { get; init; }

    /// <summary>The model file's full path ("" when none).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The model's architecture.</summary>
    public required string Architecture { get; init; }

    /// <summary>The data set the images come from.</summary>
    public required string Dataset { get; init; }

    /// <summary>Images attacked.</summary>
    public required int Images { get; init; }

    /// <summary>Method names.</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>Attack names.</summary>
    public required IReadOnlyList<string> Attacks { get; init; }

    /// <summary>Epsilons, 0-255 scale.</summary>
    public required IReadOnlyList<double> Epsilons { get; init; }

    /// <summary>Attack iterations.</summary>
    public required int Iterations { get; init; }

    /// <summary>Attack step, 0-255 scale.</summary>
    public required double Step { get; init; }

    /// <summary>k of top-k, in pixels.</summary>
    public required int K { get; init; }

    /// <summary>Softplus beta of the twin.</summary>
    public required double Beta { get; init; }

    /// <summary>What the twin changes, in words.</summary>
    public required string SmoothTwin { get; init; }

    /// <summary>Base seed of the random draws.</summary>
    public required int Seed { get; init; }

    /// <summary>Images per batch.</summary>
    public required int BatchSize { get; init; }

    /// <summary>IG path points of the maps.</summary>
    public required int IgSteps { get; init; }

    /// <summary>IG path points inside the attack's gradient.</summary>
    public required int AttackSteps { get; init; }

    /// <summary>Class names, in label order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Versions of Fragility, TorchSharp, libtorch and .NET.</summary>
    public required IReadOnlyDictionary<string, string?> Versions { get; init; }

    /// <summary>When the run started (UTC, ISO 8601).</summary>
    public required string CreatedUtc { get; init; }

    /// <summary>How the returned iterate is chosen.</summary>
    public required string Criterion { get; init; }

    /// <summary>The targeted attack's region, or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string? Target { get; init; }

    /// <summary>Per method, its settings in words (and the attack gradient's when it differs).</summary>
    public required IReadOnlyList<string> MethodDescriptions { get; init; }

    /// <summary>Test-split indices of the attacked images, in order.</summary>
    public required IReadOnlyList<int> ImageIndices { get; init; }

    /// <summary>Images that get .npy arrays.</summary>
    public required int ArrayImages { get; init; }

    /// <summary>SHA-256 of the architecture, preprocessing and every weight.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The cheaper integrated gradients that scores the iterates, when some method uses one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CriterionIg { get; init; }

    /// <summary>The chosen metrics, when they are not the default ones.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Metrics { get; init; }

    /// <summary>Settings of the clean-explanation metrics, when one is chosen.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? MetricSettings { get; init; }

    /// <summary>The shard this run computes, for a shard's run file.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SweepManifestShard? Shard { get; init; }

    /// <summary>The manifest as the JSON object run.json holds (and the fingerprint is taken over).</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();
}
