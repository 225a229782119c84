using System.Text.Json.Serialization;

namespace Fragility.Models;

/// <summary>What a saved model keeps beside its weights: enough to rebuild, feed and describe it.</summary>
public sealed record ModelMetadata
{
    /// <summary>Registry architecture name (see <see cref="ModelRegistry.Names"/>).</summary>
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = ModelRegistry.SmallCnn;

    /// <summary>Input geometry and normalisation.</summary>
    [JsonPropertyName("preprocessing")] public Preprocessing Preprocessing { get; init; } = new();

    /// <summary>Class names, indexed by label.</summary>
    [JsonPropertyName("class_names")] public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Data set the model was trained on.</summary>
    [JsonPropertyName("dataset")] public string Dataset { get; init; } = "";

    /// <summary>Random seed of training.</summary>
    [JsonPropertyName("seed")] public int? Seed { get; init; }

    /// <summary>Test accuracy in [0, 1] measured after training, if known.</summary>
    [JsonPropertyName("test_accuracy")] public double? TestAccuracy { get; init; }

    /// <summary>Activation the model was trained with ("relu" or "softplus").</summary>
    [JsonPropertyName("activation")] public string Activation { get; init; } = "relu";

    /// <summary>Softplus beta used in training when <see cref="Activation"/> is softplus.</summary>
    [JsonPropertyName("beta")] public double Beta { get; init; } = 1.0;

    /// <summary>The command that made the model, for reproduction.</summary>
    [JsonPropertyName("command")] public string? Command { get; init; }

    /// <summary>Free-form training details (epochs, learning rate, regulariser...).</summary>
    [JsonPropertyName("training")] public IReadOnlyDictionary<string, string>? Training { get; init; }

    /// <summary>Per-pixel mean image of the training set, [C, H, W] row-major, pixel scale: the default reference
    /// (baseline) of integrated gradients and DeepLIFT for small images (docs/method.md §2.5). Null when not recorded.</summary>
    [JsonPropertyName("reference_mean")] public float[]? ReferenceMean { get; init; }

    /// <summary>Per-channel mean of the training images, [C], pixel scale: the default reference of large images when
    /// recorded (<c>fragility import --mean-from</c>). Null when not recorded; then a preset's normalisation mean
    /// stands for it (see <see cref="Attribution.References"/>).</summary>
    [JsonPropertyName("reference_channel_mean")] public float[]? ReferenceChannelMean { get; init; }

    /// <summary>Where <see cref="ReferenceMean"/> / <see cref="ReferenceChannelMean"/> came from (data set or folder
    /// and image count), so outputs can name the reference actually used.</summary>
    [JsonPropertyName("reference_source")] public string? ReferenceSource { get; init; }

    /// <summary>UTC time of creation (ISO 8601).</summary>
    [JsonPropertyName("created_utc")] public string? CreatedUtc { get; init; }

    /// <summary>Fragility version that wrote the model.</summary>
    [JsonPropertyName("fragility_version")] public string? FragilityVersion { get; init; }
}
