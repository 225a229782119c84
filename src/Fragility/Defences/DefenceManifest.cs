using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fragility.Defences;

/// <summary>
/// run.json of a defence run, as one record: the models (with their SHA-256), the settings, the images and the command.
/// Its fingerprint over <see cref="DefencePlan.FingerprintKeys"/> (<see cref="IO.RunManifest"/>'s one rule) decides
/// whether a folder resumes. Keys are snake_case.
/// </summary>
public sealed record DefenceManifest
{
    /// <summary>The command line the user typed.</summary>
    public required string Command { get; init; }

    /// <summary>The test split's data set.</summary>
    public required string Dataset { get; init; }

    /// <summary>The models, in row order.</summary>
    public required IReadOnlyList<DefenceManifestModel> Models { get; init; }

    /// <summary>The models' SHA-256, in row order (what the fingerprint takes, not the paths).</summary>
    public required IReadOnlyList<string> ModelSha256 { get; init; }

    /// <summary>Methods, defences (by name), attacks and metrics.</summary>
    public required DefenceSettings Settings { get; init; }

    /// <summary>The models that get the explanation-side defences; null for all.</summary>
    public required IReadOnlyList<string>? ExplanationDefenceModels { get; init; }

    /// <summary>Test-split indices of the attacked images.</summary>
    public required IReadOnlyList<int> Images { get; init; }

    /// <summary>When the run started (UTC, ISO 8601).</summary>
    public required string CreatedUtc { get; init; }

    /// <summary>The manifest as the JSON object run.json holds (and the fingerprint is taken over).</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, DefenceRowStore.Json)!.AsObject();
}
