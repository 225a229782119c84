using System.Globalization;
using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Models;
using Fragility.Runtime;
using Fragility.Training;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility evaluate</c>: test accuracy and per-class accuracy of a model.</summary>
public sealed class EvaluateCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 81;

    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model();
        var dataset = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        var data = CommonOptions.Data();
        var limit = new Option<int?>("--images") { Description = "Evaluate on the first N test images only (without it: all)." }.AtLeast(1);
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("evaluate", "Print a model's test accuracy and per-class accuracy on a data set's test split.") { model, dataset, data, limit };
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            using var classifier = ModelStore.Load(pr.GetValue(model));
            using var test = ModelData.Load(classifier, pr.GetValue(dataset)!, DatasetSplit.Test, pr.GetValue(data), pr.GetValue(limit));
            var result = Trainer.Evaluate(classifier, test);
            var table = new Table().Title($"{Markup.Escape(classifier.Metadata.Architecture)} on {Markup.Escape(test.Name)} (test split)")
                .AddColumn("class").AddColumn(new TableColumn("images").RightAligned()).AddColumn(new TableColumn("accuracy").RightAligned());
            for (int i = 0; i < classifier.ClassCount; i++)
                table.AddRow(Markup.Escape(classifier.Metadata.ClassNames[i]), result.PerClassCount[i].ToString(), double.IsNaN(result.PerClassAccuracy[i]) ? "-" : $"{result.PerClassAccuracy[i]:P1}");
            table.AddRow("[bold]all[/]", $"[bold]{result.Count}[/]", $"[bold]{result.Accuracy:P2}[/]");
            console.Out.Write(table);
            if (classifier.Metadata.TestAccuracy is double recorded)
                console.Line($"Recorded test accuracy in the model's metadata: {recorded.ToString("P2", CultureInfo.InvariantCulture)}.");
            console.Line(string.Create(CultureInfo.InvariantCulture, $"accuracy {result.Accuracy:F4}"));
            return 0;
        }));
        return cmd;
    }
}
