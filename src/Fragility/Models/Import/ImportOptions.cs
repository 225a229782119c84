namespace Fragility.Models.Import;

/// <summary>What <see cref="ModelImporter"/> imports and how (the options of <c>fragility import</c>).</summary>
public sealed record ImportOptions
{
    /// <summary>The file to import: a torch.save state_dict (.pth/.pt), a safetensors state_dict, or (with
    /// <see cref="Onnx"/>) an ONNX model.</summary>
    public required string Source { get; init; }

    /// <summary>Registry architecture the state_dict belongs to (see <see cref="ModelRegistry.Names"/>); null with <see cref="Onnx"/>.</summary>
    public string? Architecture { get; init; }

    /// <summary>True to import an ONNX model (its graph defines the architecture).</summary>
    public bool Onnx { get; init; }

    /// <summary>Preprocessing preset name (imagenet, fashion-mnist, cifar10, none), or "auto" (default): the
    /// architecture's usual preset (<see cref="ImportPreset.For"/>), none for ONNX.</summary>
    public string Preprocess { get; init; } = "auto";

    /// <summary>A text file with one class name per line (label order); overrides the preset's names.</summary>
    public string? LabelsFile { get; init; }

    /// <summary>Number of classes (names "class 0".."class N-1" unless the preset or labels give names).</summary>
    public int? Classes { get; init; }

    /// <summary>Input size (channels, height, width) overriding the preset's or the model's.</summary>
    public (int Channels, int Height, int Width)? InputSize { get; init; }

    /// <summary>Images whose mean becomes the model's default reference: a data set name (its training split; the
    /// test split for "sample") or a folder of images. Per-pixel mean for images up to 64 pixels a side, per-channel
    /// mean for larger ones. Null: no mean is recorded, and "mean" then needs a preset's normalisation mean.</summary>
    public string? MeanFrom { get; init; }

    /// <summary>The data set's folder for <see cref="MeanFrom"/> (as <c>--data</c> elsewhere); null for the default.</summary>
    public string? MeanDataDir { get; init; }

    /// <summary>At most this many images of <see cref="MeanFrom"/> are averaged (all when null).</summary>
    public int? MeanLimit { get; init; }

    /// <summary>The command line, recorded in the metadata for reproduction.</summary>
    public string? Command { get; init; }
}
