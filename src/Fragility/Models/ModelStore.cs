using System.Text.Json;
using Fragility.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// Saves and loads <see cref="Classifier"/>s as one safetensors file: the network's state_dict (torchvision's
/// key names for squeezenet1_1) plus the <see cref="ModelMetadata"/> as JSON in the header's metadata.
/// </summary>
public static class ModelStore
{
    /// <summary>Metadata key under which the model's JSON metadata is stored.</summary>
    public const string MetadataKey = "fragility.model";

    /// <summary>File name of the pretrained Fashion-MNIST model shipped in the repository's models/ folder.</summary>
    public const string ShippedModelFile = "fashion-mnist-small-cnn.safetensors";

    /// <summary>JSON options used for all metadata (snake_case, indented).</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>Builds a new model of a registry architecture with fresh weights.</summary>
    public static Classifier Create(ModelMetadata metadata)
    {
        var p = metadata.Preprocessing;
        if (metadata.ClassNames.Count < 2) throw new FragilityException("A model needs at least two class names.");
        var net = ModelRegistry.Create(metadata.Architecture, p.Channels, p.Height, p.Width, metadata.ClassNames.Count);
        var model = new Classifier(net, metadata);
        if (metadata.Activation == "softplus") model.SetActivation(ActivationMode.Softplus, metadata.Beta);
        return model;
    }

    /// <summary>Saves weights and metadata to <paramref name="path"/> (written atomically).</summary>
    public static void Save(Classifier model, string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var meta = new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(model.Metadata, Json) };
        SafeTensorsFile.Write(path, model.Network.state_dict(), meta);
    }

    /// <summary>Loads a model saved by <see cref="Save"/>; null or empty path means the shipped model.</summary>
    public static Classifier Load(string? path = null)
    {
        path = string.IsNullOrEmpty(path) ? ShippedModelPath() : path;
        var (tensors, meta) = SafeTensorsFile.Read(path);
        try
        {
            if (!meta.TryGetValue(MetadataKey, out var json))
                throw new FragilityException($"'{path}' has weights but no Fragility metadata. Import it with 'fragility import {path} --arch NAME' first.");
            ModelMetadata metadata;
            try { metadata = JsonSerializer.Deserialize<ModelMetadata>(json, Json) ?? throw new JsonException("null"); }
            catch (JsonException e) { throw new FragilityException($"'{path}' has corrupt model metadata ({e.Message}). Re-create the model."); }
            // An imported ONNX model carries its graph in the file; every other architecture comes from the registry.
            var model = metadata.Architecture == Import.OnnxNetwork.ArchitectureName
                ? Import.OnnxNetwork.CreateClassifier(metadata, tensors, path)
                : Create(metadata);
            LoadStateDict(model.Network, tensors, path);
            return model;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Copies tensors into a network's parameters and buffers by name, checking names and shapes.</summary>
    public static void LoadStateDict(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var state = module.state_dict();
        var missing = state.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        var unexpected = tensors.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var wrongShape = state.Where(kv => tensors.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} (model [{string.Join(",", kv.Value.shape)}], file [{string.Join(",", tensors[kv.Key].shape)}])").ToList();
        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add("missing: " + string.Join(", ", missing.Take(8)) + (missing.Count > 8 ? $" and {missing.Count - 8} more" : ""));
            if (unexpected.Count > 0) parts.Add("unexpected: " + string.Join(", ", unexpected.Take(8)) + (unexpected.Count > 8 ? $" and {unexpected.Count - 8} more" : ""));
            if (wrongShape.Count > 0) parts.Add("wrong shape: " + string.Join(", ", wrongShape.Take(8)));
            throw new FragilityException($"Weights in '{source}' do not fit the architecture ({string.Join("; ", parts)}). Check --arch and the number of classes.");
        }
        using var _ = torch.no_grad();
        foreach (var (k, p) in state) p.copy_(tensors[k].to(p.dtype));
    }

    /// <summary>The model files <paramref name="given"/> names (each entry may hold several, comma-separated), or the
    /// shipped model when none is named; a missing file is refused with the command that would make it.</summary>
    public static IReadOnlyList<string> ExistingPaths(IEnumerable<string> given)
    {
        ArgumentNullException.ThrowIfNull(given);
        var paths = given.SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (paths.Count == 0) paths.Add(ShippedModelPath());
        foreach (string p in paths)
            if (!File.Exists(p)) throw new FragilityException($"Model file '{p}' does not exist. Train one with 'fragility train --out {p}' or fix the path.");
        return paths;
    }

    /// <summary>Path of the shipped pretrained model (next to the program, or found upwards from the working directory).</summary>
    public static string ShippedModelPath() => ShippedFiles.Find(ShippedModelFile)
        ?? throw new FragilityException($"The shipped model '{ShippedModelFile}' was not found next to the program or in a models/ folder above the working directory. Pass --model PATH, or run from the repository.");
}
