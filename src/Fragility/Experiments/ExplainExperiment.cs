using System.Text.Json;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.IO;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Runtime;
using TorchSharp;

namespace Fragility.Experiments;

/// <summary>
/// Feature-importance maps of the predicted label for a set of inputs (<c>fragility explain</c>). Writes per input and
/// method (file stem = index and method, e.g. "0007_ig"): the raw signed attribution [C,H,W] and the saliency map
/// [H,W] as float32 .npy, and the map over its image as a heatmap PNG (top-k outlined, centre of mass marked); and one
/// line per input in <see cref="LinesFile"/> (label, confidence, method settings, reference, completeness errors).
/// </summary>
public static class ExplainExperiment
{
    /// <summary>File name of the per-input lines.</summary>
    public const string LinesFile = "explanations.jsonl";

    /// <summary>Explains every input with every method, in batches of <paramref name="batchSize"/>.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="inputs">Images in the model's geometry.</param>
    /// <param name="methods">Methods, made with <paramref name="reference"/>.</param>
    /// <param name="reference">The reference the methods use (recorded, and used for the completeness errors).</param>
    /// <param name="outDir">Output folder (created if missing).</param>
    /// <param name="progress">Receives "maps" updates: maps done of inputs x methods.</param>
    /// <param name="batchSize">Images per batch.</param>
    public static IReadOnlyList<ExplainedInput> Run(Classifier model, ImageDataset inputs, IReadOnlyList<IAttributionMethod> methods, IReference reference,
        string outDir, IProgress<ProgressUpdate>? progress = null, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(reference);
        Directory.CreateDirectory(outDir);
        var (c, h, w) = inputs.ImageShape;
        var (labels, confidence) = model.Predict(inputs.Images);
        var completeness = new Dictionary<string, double[]>();
        long done = 0, total = (long)inputs.Count * methods.Count;
        foreach (var method in methods)
        {
            for (int start = 0; start < inputs.Count; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int len = Math.Min(batchSize, inputs.Count - start);
                var x = inputs.Images.narrow(0, start, len);
                var target = torch.tensor(labels.AsSpan(start, len).ToArray(), device: x.device);
                var attribution = method.Attribute(model, x, target);
                var maps = SaliencyMaps.FromAttribution(attribution);
                if (method is IntegratedGradients or DeepLift)
                {
                    var error = Completeness.Measure(model, x, reference.For(x), target, attribution);
                    if (!completeness.TryGetValue(method.Name, out var values)) completeness[method.Name] = values = new double[inputs.Count];
                    Array.Copy(error.Relative, 0, values, start, len);
                }
                for (int i = 0; i < len; i++)
                {
                    int index = start + i;
                    var map = maps[i].cpu().data<float>().ToArray();
                    string stem = Path.Combine(outDir, $"{index:D4}_{FileNames.Safe(method.Name)}");
                    NpyFile.Write(stem + "_attribution.npy", attribution[i].cpu().data<float>().ToArray(), c, h, w);
                    NpyFile.Write(stem + "_map.npy", map, h, w);
                    HeatmapRenderer.SaveExplanation(stem + ".png", x[i].cpu().data<float>().ToArray(), c, h, w, map);
                    progress?.Report(new ProgressUpdate("maps", ++done, total, method.Name));
                }
            }
        }
        var explained = Enumerable.Range(0, inputs.Count).Select(i => new ExplainedInput(i, inputs.ItemNames?[i],
            inputs.Labels[i] >= 0 ? inputs.Labels[i] : null, labels[i], model.Metadata.ClassNames[(int)labels[i]], confidence[i],
            completeness.ToDictionary(kv => kv.Key, kv => kv.Value[i]))).ToList();
        WriteLines(Path.Combine(outDir, LinesFile), explained, methods, reference);
        return explained;
    }

    private static void WriteLines(string path, IReadOnlyList<ExplainedInput> explained, IReadOnlyList<IAttributionMethod> methods, IReference reference)
    {
        using var writer = new StreamWriter(path);
        foreach (var e in explained)
        {
            var line = new Dictionary<string, object?>
            {
                ["input"] = e.Index, ["item"] = e.Item, ["true_label"] = e.TrueLabel, ["label"] = e.Label, ["label_name"] = e.LabelName,
                ["confidence"] = e.Confidence, ["methods"] = methods.Select(m => m.Description).ToArray(), ["reference"] = reference.Name,
            };
            foreach (var (method, error) in e.CompletenessError) line[$"completeness_error_{method}"] = error;
            writer.WriteLine(JsonSerializer.Serialize(line));
        }
    }
}
