using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fragility.Attribution;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.IO;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Runtime;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility explain</c>: feature-importance maps of a model's prediction for some inputs.</summary>
public sealed class ExplainCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 10;

    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model();
        var input = new Option<string>("--input", "-i")
        {
            Description = "What to explain: an image file, a folder of images, or dataset:N (the first N test images of --dataset, in order).",
            DefaultValueFactory = _ => "dataset:8",
        };
        var dataset = CommonOptions.Dataset(DatasetCatalog.Sample);
        var data = CommonOptions.Data();
        var methods = new Option<string>("--methods")
        {
            Description = $"Comma-separated methods: {string.Join(", ", AttributionMethods.Names)}.",
            DefaultValueFactory = _ => "gradient,ig,deeplift,lrp",
        };
        var reference = CommonOptions.Reference();
        var igSteps = new Option<int>("--ig-steps") { Description = "Integrated-gradients path points M.", DefaultValueFactory = _ => 100 };
        var igRule = CommonOptions.IgRule();
        var output = CommonOptions.Out("explain-out");
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var strict = CommonOptions.Strict();
        var samples = CommonOptions.SmoothGradSamples();
        var sigma = CommonOptions.SmoothGradSigma();
        var cmd = new Command("explain", "Compute feature-importance maps for a model's predicted label: a heatmap overlay PNG per input and method, the raw signed attribution and the saliency map as .npy, and one JSON line per input (label, confidence, completeness errors of IG and DeepLIFT) in explanations.jsonl.")
        {
            model, input, dataset, data, strict, methods, reference, igSteps, igRule, samples, sigma, output, threads, device,
        };
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads), pr.GetValue(device));
            using var classifier = ModelStore.Load(pr.GetValue(model));
            var names = pr.GetValue(methods)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Length == 0) throw new FragilityException("--methods is empty: give at least one method.");
            var refer = References.Create(classifier, pr.GetValue(reference));
            var options = new AttributionOptions { Reference = refer, IgSteps = pr.GetValue(igSteps), IgRule = PathIntegration.Parse(pr.GetValue(igRule)!),
                SmoothGradSamples = pr.GetValue(samples), SmoothGradSigma255 = pr.GetValue(sigma) };
            var attributionMethods = names.Select(n => AttributionMethods.Create(n, options)).ToList();
            using var inputs = CliData.Inputs(classifier, pr.GetValue(input)!, pr.GetValue(dataset)!, pr.GetValue(data), pr.GetValue(strict));
            string outDir = pr.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            var (c, h, w) = inputs.ImageShape;
            var (labels, confidence) = classifier.Predict(inputs.Images);
            var completeness = new Dictionary<string, double[]>();
            var lines = new string?[inputs.Count];
            ConsoleProgress.Run("explain", progress =>
            {
                long done = 0, total = (long)inputs.Count * attributionMethods.Count;
                foreach (var method in attributionMethods)
                {
                    for (int start = 0; start < inputs.Count; start += 16)
                    {
                        using var scope = torch.NewDisposeScope();
                        int len = Math.Min(16, inputs.Count - start);
                        var x = inputs.Images.narrow(0, start, len);
                        var target = torch.tensor(labels.AsSpan(start, len).ToArray());
                        var attribution = method.Attribute(classifier, x, target);
                        var maps = SaliencyMaps.FromAttribution(attribution);
                        if (method is IntegratedGradients or DeepLift)
                        {
                            var r = refer.For(x);
                            var err = Completeness.Measure(classifier, x, r, target, attribution);
                            if (!completeness.TryGetValue(method.Name, out var arr)) completeness[method.Name] = arr = new double[inputs.Count];
                            Array.Copy(err.Relative, 0, arr, start, len);
                        }
                        for (int i = 0; i < len; i++)
                        {
                            int index = start + i;
                            var image = x[i].cpu().data<float>().ToArray();
                            var signed = attribution[i].cpu().data<float>().ToArray();
                            var map = maps[i].cpu().data<float>().ToArray();
                            string stem = Path.Combine(outDir, $"{index:D4}_{Safe(method.Name)}");
                            NpyFile.Write(stem + "_attribution.npy", signed, c, h, w);
                            NpyFile.Write(stem + "_map.npy", map, h, w);
                            HeatmapRenderer.SaveExplanation(stem + ".png", image, c, h, w, map);
                            progress.Report(new ProgressUpdate("maps", ++done, total, method.Name));
                        }
                    }
                }
                return 0;
            });
            using var writer = new StreamWriter(Path.Combine(outDir, "explanations.jsonl"));
            for (int i = 0; i < inputs.Count; i++)
            {
                var line = new Dictionary<string, object?>
                {
                    ["input"] = i, ["item"] = inputs.ItemNames?[i], ["true_label"] = inputs.Labels[i] >= 0 ? inputs.Labels[i] : null,
                    ["label"] = labels[i], ["label_name"] = classifier.Metadata.ClassNames[(int)labels[i]], ["confidence"] = confidence[i],
                    ["methods"] = attributionMethods.Select(m => m.Description).ToArray(),
                    ["reference"] = refer.Name,
                };
                foreach (var (m, values) in completeness) line[$"completeness_error_{m}"] = values[i];
                writer.WriteLine(JsonSerializer.Serialize(line));
            }
            var table = new Table().AddColumn("input").AddColumn("predicted").AddColumn(new TableColumn("confidence").RightAligned());
            foreach (var m in completeness.Keys) table.AddColumn(new TableColumn($"{m} completeness err").RightAligned());
            for (int i = 0; i < Math.Min(inputs.Count, 20); i++)
                table.AddRow(new[] { (inputs.ItemNames?[i] ?? i.ToString(CultureInfo.InvariantCulture)), classifier.Metadata.ClassNames[(int)labels[i]], confidence[i].ToString("P1", CultureInfo.InvariantCulture) }
                    .Concat(completeness.Values.Select(v => v[i].ToString("E1", CultureInfo.InvariantCulture))).Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"Wrote {inputs.Count * attributionMethods.Count} maps to [green]{Markup.Escape(outDir)}[/] (PNG overlays, .npy maps, explanations.jsonl), computed on {TorchRuntime.Device}.");
            return 0;
        }));
        return cmd;
    }

    private static string Safe(string name) => string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_'));
}
