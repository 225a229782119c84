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
        var arch = new Option<string?>("--arch") { Description = $"Registry architecture the state_dict belongs to: {string.Join(", ", ModelRegistry.Names)} (keys as in torchvision for squeezenet1_1)." };
        var onnx = new Option<bool>("--onnx") { Description = "The file is an ONNX model (opset 11-17); its graph defines the architecture. A final Softmax is dropped so that scores are logits." };
        var preprocess = new Option<string>("--preprocess")
        {
            Description = "Input preprocessing: imagenet (RGB, resize 256, crop 224, ImageNet mean/std, 1000 ImageNet classes), fashion-mnist (grey 28x28, mean 0.2860, std 0.3530), cifar10 (RGB 32x32, CIFAR-10 mean/std), none (no normalisation, size from the model), or auto: squeezenet1_1 imagenet, small-cnn fashion-mnist, paper-cnn cifar10, ONNX none.",
            DefaultValueFactory = _ => "auto",
        };
        var labels = new Option<string?>("--labels") { Description = "Text file with one class name per line, in label order (default: the preset's class names, else 'class 0', 'class 1', ...)." };
        var classes = new Option<int?>("--classes") { Description = "Number of classes (default: from --labels, the preset, or the ONNX model's output)." };
        var inputSize = new Option<string?>("--input-size") { Description = "Input size CxHxW in pixels (e.g. 3x224x224), overriding the preset's or the model's." };
        var output = new Option<string>("--out", "-o") { Description = "Where to write the Fragility model (.safetensors), readable by every other command via --model.", Required = true };
        var meanFrom = new Option<string?>("--mean-from") { Description = "Images whose mean becomes the model's default reference (baseline) of grad_x_input, IG and DeepLIFT: a data set name (fashion-mnist, cifar10, mnist, sample; its training split) or a folder of images. Per-pixel mean for images up to 64 pixels a side, per-channel mean above. Without it an imported model knows no mean, and the reference must be named (--reference zero, blur or FILE) unless the preset's normalisation mean stands for it." };
        var meanData = new Option<string?>("--mean-data") { Description = "Folder of the --mean-from data set's files (as --data elsewhere)." };
        var meanLimit = new Option<int?>("--mean-images") { Description = "Average at most this many images of --mean-from (default: all)." };
        var threads = CommonOptions.Threads();
        var cmd = new Command("import", "Bring your own model: import a PyTorch state_dict (loaded by key name into --arch), a safetensors state_dict, or an ONNX model, and save it as a Fragility model file. Pickles are read by a restricted reader that refuses anything but tensors and plain containers; only import weights from sources you trust.")
        {
            file, arch, onnx, preprocess, labels, classes, inputSize, meanFrom, meanData, meanLimit, output, threads,
        };
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads));
            var options = new ImportOptions
            {
                Source = pr.GetValue(file)!,
                Architecture = pr.GetValue(arch),
                Onnx = pr.GetValue(onnx),
                Preprocess = pr.GetValue(preprocess)!,
                LabelsFile = pr.GetValue(labels),
                Classes = pr.GetValue(classes),
                InputSize = ParseSize(pr.GetValue(inputSize)),
                MeanFrom = pr.GetValue(meanFrom),
                MeanDataDir = pr.GetValue(meanData),
                MeanLimit = pr.GetValue(meanLimit),
                // From the parsed tokens, so the record is right however the command was started (dotnet run, tool, tests).
                Command = "fragility " + string.Join(' ', pr.Tokens.Select(t => t.Value.Contains(' ') ? $"\"{t.Value}\"" : t.Value)),
            };
            string path = pr.GetValue(output)!;
            var result = ModelImporter.ImportAndSave(options, path);
            using var model = result.Model;
            var m = model.Metadata;
            var p = m.Preprocessing;
            AnsiConsole.MarkupLine($"[grey]note:[/] default reference: {Markup.Escape(DefaultReference(model))}");
            foreach (var note in result.Notes) AnsiConsole.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
            AnsiConsole.MarkupLine(
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

    private static (int, int, int)? ParseSize(string? text)
    {
        if (text is null) return null;
        var parts = text.Split('x', 'X');
        if (parts.Length == 3 && parts.All(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
        throw new FragilityException($"--input-size must look like CxHxW (e.g. 3x224x224), got '{text}'.");
    }
}
