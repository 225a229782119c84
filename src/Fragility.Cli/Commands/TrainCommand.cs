using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Training;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility train</c>: trains a registry architecture on a data set and saves it with its metadata (the
/// work is <see cref="TrainingRun"/>'s).</summary>
public sealed class TrainCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 80;

    /// <inheritdoc />
    public Command Build()
    {
        var options = new TrainCliOptions();
        var output = new Option<string>("--out", "-o") { Description = "Where to save the model (.safetensors).", DefaultValueFactory = _ => "model.safetensors" };
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("train", "Train a model of the registry on a data set; prints test accuracy and saves weights plus metadata (architecture, preprocessing, class names, seed, accuracy, command).");
        options.AddTo(cmd);
        cmd.Options.Add(output);
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            var request = options.Bind(pr, CliCommandLine.Of(pr));
            string path = pr.GetValue(output)!;
            var report = ConsoleProgress.Run(console, "train", p => TrainingRun.Run(request, path, console.Line, p));
            console.Markup($"Test accuracy [bold]{report.Test!.Accuracy.ToString("P2", CultureInfo.InvariantCulture)}[/] on {report.Test.Count} images; trained in {report.Seconds.ToString("F0", CultureInfo.InvariantCulture)} s. Saved [green]{Markup.Escape(path)}[/].");
            return 0;
        }));
        return cmd;
    }
}
