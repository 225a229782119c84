using System.CommandLine;
using System.Globalization;
using Fragility.Attribution;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments;
using Fragility.Models;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility explain</c>: maps of the predicted label (the work is <see cref="ExplainExperiment"/>'s).</summary>
public sealed class ExplainCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 10;

    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model();
        var inputs = new InputCliOptions("What to explain");
        var methods = new Option<string>("--methods")
        {
            Description = $"Comma-separated methods: {string.Join(", ", AttributionMethods.Names)}.",
            DefaultValueFactory = _ => "gradient,ig,deeplift,lrp",
        }.ListOf(AttributionMethods.Names);
        var settings = new MethodCliOptions();
        var output = CommonOptions.Out("explain-out");
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("explain", "Compute feature-importance maps for a model's predicted label: a heatmap overlay PNG per input and method, the raw signed attribution and the saliency map as .npy, and one JSON line per input (label, confidence, completeness errors of IG and DeepLIFT) in explanations.jsonl.")
        {
            model, methods, output,
        };
        inputs.AddTo(cmd);
        settings.AddTo(cmd);
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            using var classifier = ModelStore.Load(pr.GetValue(model));
            var options = settings.Bind(pr, classifier);
            var chosen = Lists.Split(pr.GetValue(methods)!, "--methods").Select(n => AttributionMethods.Create(n, options)).ToList();
            using var images = inputs.Load(console, pr, classifier);
            string outDir = pr.GetValue(output)!;
            var explained = ConsoleProgress.Run(console, "explain", progress => ExplainExperiment.Run(classifier, images, chosen, options.Reference!, outDir, progress));
            var table = new Table().AddColumn("input").AddColumn("predicted").AddColumn(new TableColumn("confidence").RightAligned());
            var measured = explained.Count > 0 ? explained[0].CompletenessError.Keys.ToList() : [];
            foreach (var m in measured) table.AddColumn(new TableColumn($"{m} completeness err").RightAligned());
            foreach (var e in explained.Take(20))
                table.AddRow(new[] { e.Item ?? e.Index.ToString(CultureInfo.InvariantCulture), e.LabelName, e.Confidence.ToString("P1", CultureInfo.InvariantCulture) }
                    .Concat(measured.Select(m => e.CompletenessError[m].ToString("E1", CultureInfo.InvariantCulture))).Select(Markup.Escape).ToArray());
            console.Out.Write(table);
            console.Markup($"Wrote {images.Count * chosen.Count} maps to [green]{Markup.Escape(outDir)}[/] (PNG overlays, .npy maps, {ExplainExperiment.LinesFile}), computed on {TorchRuntime.Device}.");
            return 0;
        }));
        return cmd;
    }
}
