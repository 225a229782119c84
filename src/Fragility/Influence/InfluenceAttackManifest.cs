using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fragility.Influence;

/// <summary>
/// run.json of an influence attack run, as one record: the task, the attacks and the provenance. Its fingerprint over
/// <see cref="InfluenceAttackSweep.FingerprintKeys"/> (<see cref="IO.RunManifest"/>'s one rule) decides whether a folder
/// resumes: epsilons, attacks and the number of test points may grow. Keys are snake_case; the settings are written
/// as the text they were given in, so folders written before this record resume.
/// </summary>
public sealed record InfluenceAttackManifest
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The head's classes, comma-separated.</summary>
    public required string Classes { get; init; }

    /// <summary>Training images per class of the head.</summary>
    public required string TrainPerClass { get; init; }

    /// <summary>The head's L2 strength.</summary>
    public required string L2 { get; init; }

    /// <summary>The inverse-Hessian solver.</summary>
    public required string Solver { get; init; }

    /// <summary>Helpful points the objective sums.</summary>
    public required string Top { get; init; }

    /// <summary>k of "top-k helpful points kept".</summary>
    public required string KeepTop { get; init; }

    /// <summary>Iterative attack steps.</summary>
    public required string Steps { get; init; }

    /// <summary>Iterative attack step size, 0-255 scale.</summary>
    public required string StepSize { get; init; }

    /// <summary>"relu" or "softplus:BETA".</summary>
    public required string Surrogate { get; init; }

    /// <summary>Seed of the random attack.</summary>
    public required string Seed { get; init; }

    /// <summary>Test points.</summary>
    public required int Tests { get; init; }

    /// <summary>Attack names, comma-separated.</summary>
    public required string Attacks { get; init; }

    /// <summary>Epsilons, comma-separated, 0-255 scale.</summary>
    public required string Epsilons { get; init; }

    /// <summary>The head's training accuracy.</summary>
    public required double TrainAccuracy { get; init; }

    /// <summary>The head's test accuracy.</summary>
    public required double TestAccuracy { get; init; }

    /// <summary>The model file as given ("(shipped)" for the shipped one).</summary>
    public required string Model { get; init; }

    /// <summary>SHA-256 of the model file.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The data set.</summary>
    public required string Dataset { get; init; }

    /// <summary>The command line the user typed.</summary>
    public required string Command { get; init; }

    /// <summary>The manifest as the JSON object run.json holds (and the fingerprint is taken over).</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();
}
