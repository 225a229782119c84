using System.Diagnostics;
using System.Text.Json;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.IO;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Experiments;

/// <summary>
/// Attacks a set of inputs with one method and one attack and writes, per input (file stem = its index, e.g.
/// "0007"): the clean and perturbed images as PNG (<c>_clean.png</c>, <c>_adv.png</c>) and the perturbed image as
/// exact float32 .npy (<c>_adv.npy</c>); the maps before and after as .npy (<c>_map.npy</c>, <c>_advmap.npy</c>) and
/// maps over their images on one colour scale, top-k pixels outlined and centre of mass marked (<c>_map.png</c>,
/// <c>_advmap.png</c>, as <c>explain</c> draws them); the before/after composite (<c>_compare.png</c>); the amplified
/// perturbation (<c>_delta.png</c>); and one
/// line per input in <c>metrics.jsonl</c> (the fields of results.jsonl plus "iterations").
/// </summary>
public static class AttackExperiment
{
    /// <summary>File name of the per-input metrics.</summary>
    public const string MetricsFile = "metrics.jsonl";

    /// <summary>Runs the attack on every input of <paramref name="inputs"/> in batches and writes the outputs.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="inputs">Images to attack (their labels are not used: maps explain the predicted class).</param>
    /// <param name="method">Name of the evaluation method (for the records).</param>
    /// <param name="attack">The attack (made with the same model and evaluation method).</param>
    /// <param name="evaluation">The evaluation method, for the clean maps.</param>
    /// <param name="k">k of the reported top-k intersection, in pixels.</param>
    /// <param name="outDir">Output folder (created if missing).</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives "attack" updates: inputs done of all inputs.</param>
    /// <param name="cancellation">Stops between iterations.</param>
    public static IReadOnlyList<AttackedInput> Run(Classifier model, ImageDataset inputs, string method, IMapAttack attack,
        IAttributionMethod evaluation, int k, string outDir, int batchSize = 16, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default)
    {
        if (batchSize < 1) throw new FragilityException($"--batch-size must be at least 1 (default 16), got {batchSize}.");
        Directory.CreateDirectory(outDir);
        var results = new List<AttackedInput>();
        var (c, h, w) = inputs.ImageShape;
        int scale = HeatmapRenderer.AutoScale(h, w);
        string metricsPath = Path.Combine(outDir, MetricsFile);
        using var metrics = new StreamWriter(metricsPath, append: false);
        for (int start = 0; start < inputs.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, inputs.Count - start);
            var positions = Enumerable.Range(start, count).ToArray();
            // Reported as the batch starts, so the label names the running batch.
            progress?.Report(new ProgressUpdate("attack", start, inputs.Count, $"{attack.Name} eps {SweepFiles.Epsilon(attack.Settings.Epsilon)}, images {start + 1}-{start + count}"));
            using var batch = inputs.Images.narrow(0, start, count);
            var clock = Stopwatch.StartNew();
            using var clean = CleanReference.Compute(model, evaluation, batch);
            using var result = attack.Run(clean, positions, cancellation);
            double seconds = clock.Elapsed.TotalSeconds / count;
            // The sweep's default metrics, from the one catalogue.
            double[] Pair(string name) => MetricCatalogue.MapComparison(name, h, w, k).CompareRows(clean.Maps, result.PerturbedMaps);
            var (topk, spearman, kendall, shift) = (Pair(MetricCatalogue.TopK), Pair(MetricCatalogue.Spearman), Pair(MetricCatalogue.Kendall), Pair(MetricCatalogue.CenterShift));
            for (int j = 0; j < count; j++)
            {
                using var scope = torch.NewDisposeScope();
                int image = positions[j];
                string item = inputs.ItemNames?[image] ?? $"test:{image}";
                string stem = Path.Combine(outDir, image.ToString("D4", System.Globalization.CultureInfo.InvariantCulture));
                var x0 = Floats(clean.Inputs[j]);
                var adv = Floats(result.Perturbed[j]);
                var map0 = Floats(clean.Maps[j]);
                var map1 = Floats(result.PerturbedMaps[j]);
                NpyFile.Write(stem + "_adv.npy", adv, c, h, w);
                NpyFile.Write(stem + "_map.npy", map0, h, w);
                NpyFile.Write(stem + "_advmap.npy", map1, h, w);
                ImageCodec.SavePng(clean.Inputs[j], stem + "_clean.png", scale);
                ImageCodec.SavePng(result.Perturbed[j], stem + "_adv.png", scale);
                // The same marked overlays as explain, on one colour scale, plus the before/after composite.
                HeatmapRenderer.SaveBeforeAfter(stem, x0, adv, c, h, w, map0, map1, k);
                HeatmapRenderer.Save(HeatmapRenderer.RenderPerturbation(x0, adv, c, h, w, scale), stem + "_delta.png");

                var o = result.Outcomes[j];
                var input = new AttackedInput(image, item, o, topk[j], spearman[j], kendall[j], shift[j], seconds);
                results.Add(input);
                var record = new ResultRecord
                {
                    Image = image, Item = item, Label = (int)o.LabelBefore, LabelName = ClassName(model, o.LabelBefore),
                    Method = method, Attack = attack.Name, Epsilon = attack.Settings.Epsilon, K = k,
                    TopkIntersection = topk[j], Spearman = spearman[j], Kendall = kendall[j], CenterShift = shift[j],
                    LabelAfter = (int)o.LabelAfter, LabelKept = o.LabelKept, ConfidenceBefore = o.ConfidenceBefore,
                    ConfidenceAfter = o.ConfidenceAfter, Linf = o.LinfPixels, Failed = o.Failed, Seconds = seconds,
                };
                var line = JsonSerializer.SerializeToNode(record, ResultsFile.JsonOptions)!.AsObject();
                line["iterations"] = o.Iterations;
                metrics.Write(line.ToJsonString() + "\n");
            }
            metrics.Flush();
        }
        progress?.Report(new ProgressUpdate("attack", inputs.Count, inputs.Count, $"{attack.Name} eps {SweepFiles.Epsilon(attack.Settings.Epsilon)}"));
        return results;
    }

    private static string? ClassName(Classifier model, long label) =>
        label >= 0 && label < model.Metadata.ClassNames.Count ? model.Metadata.ClassNames[(int)label] : null;

    private static float[] Floats(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }
}
