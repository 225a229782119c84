using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Models;
using Fragility.Models.Import;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility import</c>: turns a PyTorch/safetensors state_dict or an ONNX model into a Fragility model file.</summary>
public sealed class ImportCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 85;

    /// <inheritdoc />
    public Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "The model to import: a torch.save state_dict (.pth/.pt, PyTorch 1.6+ zip format), a safetensors state_dict, or an .onnx model (with --onnx)." };
        var import = new ImportCliOptions();
        var output = new Option<string>("--out", "-o") { Description = "Where to write the Fragility model (.safetensors), readable by every other command via --model.", Required = true };
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("import", "Bring your own model: import a PyTorch state_dict (loaded by key name into --arch), a safetensors state_dict, or an ONNX model, and save it as a Fragility model file. Pickles are read by a restricted reader that refuses anything but tensors and plain containers; only import weights from sources you trust.")
        {
            file,
        };
        import.AddTo(cmd);
        cmd.Options.Add(output);
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            var options = import.Bind(pr, pr.GetValue(file)!);
            string path = pr.GetValue(output)!;
            var result = ModelImporter.ImportAndSave(options, path);
            using var model = result.Model;
            var m = model.Metadata;
            var p = m.Preprocessing;
            console.Notes([$"default reference: {DefaultReference(model)}", .. result.Notes]);
            console.Markup(
                $"Imported [bold]{Markup.Escape(options.Source)}[/] ({result.Format}) as [bold]{Markup.Escape(m.Architecture)}[/]: " +
                $"input {p.Channels}x{p.Height}x{p.Width}, preprocessing {Markup.Escape(result.Preset.Name)}, {m.ClassNames.Count} classes. " +
                $"Saved [green]{Markup.Escape(path)}[/]; use it with --model {Markup.Escape(path)}.");
            return 0;
        }));
        return cmd;
    }

    private static string DefaultReference(Fragility.Models.Classifier model)
    {
        try
        {
            var reference = Fragility.Attribution.References.Create(model);
            (reference as IDisposable)?.Dispose();
            return reference.Name;
        }
        catch (FragilityException)
        {
            return "none known; pass --mean-from DATA to record the training images' mean, or name --reference zero, blur or FILE with every command";
        }
    }
}
