using System.CommandLine;
using System.Globalization;
using Fragility.Models;
using Fragility.Models.Import;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options that say how a PyTorch, safetensors or ONNX file becomes a Fragility model, defined once for
/// <c>import</c> and for <c>audit</c> (which imports on the fly).</summary>
internal sealed class ImportCliOptions
{
    public Option<string?> Arch { get; } = new("--arch") { Description = $"Registry architecture a state_dict belongs to: {string.Join(", ", ModelRegistry.Names)} (keys as in torchvision for squeezenet1_1)." };

    public Option<bool> Onnx { get; } = new("--onnx") { Description = "The file is an ONNX model (opset 11-17); its graph defines the architecture. A final Softmax is dropped so that scores are logits. Implied by the extension .onnx." };

    public Option<string> Preprocess { get; } = new("--preprocess")
    {
        Description = "Input preprocessing: imagenet (RGB, resize 256, crop 224, ImageNet mean/std, 1000 ImageNet classes), fashion-mnist (grey 28x28, mean 0.2860, std 0.3530), cifar10 (RGB 32x32, CIFAR-10 mean/std), none (no normalisation, size from the model), or auto: squeezenet1_1 imagenet, small-cnn fashion-mnist, paper-cnn cifar10, ONNX none.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string?> Labels { get; } = new("--labels") { Description = "Text file with one class name per line, in label order (default: the preset's class names, else 'class 0', 'class 1', ...)." };

    public Option<int?> Classes { get; } = new("--classes") { Description = "Number of classes (default: from --labels, the preset, or the ONNX model's output)." };

    public Option<string?> InputSize { get; } = new("--input-size") { Description = "Input size CxHxW in pixels (e.g. 3x224x224), overriding the preset's or the model's." };

    public Option<string?> MeanFrom { get; } = new("--mean-from") { Description = "Images whose mean becomes the model's default reference (baseline) of grad_x_input, IG and DeepLIFT: a data set name (fashion-mnist, cifar10, mnist, sample; its training split) or a folder of images. Per-pixel mean for images up to 64 pixels a side, per-channel mean above. Without it an imported model knows no mean, and the reference must be named (--reference zero, blur or FILE) unless the preset's normalisation mean stands for it." };

    public Option<string?> MeanData { get; } = new("--mean-data") { Description = "Folder of the --mean-from data set's files (as --data elsewhere)." };

    public Option<int?> MeanImages { get; } = new("--mean-images") { Description = "Average at most this many images of --mean-from (default: all)." };

    /// <summary>Every import option (a worker of 'audit --jobs' is given the imported model instead of them).</summary>
    public IReadOnlyList<Option> All => [Arch, Onnx, Preprocess, Labels, Classes, InputSize, MeanFrom, MeanData, MeanImages];

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in All) command.Options.Add(o);
    }

    /// <summary>True when the file must be imported (it is not a Fragility model file): an .onnx, .pt or .pth file, or
    /// any import option given.</summary>
    public bool MustImport(ParseResult pr, string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".onnx" or ".pt" or ".pth" || pr.GetValue(Onnx) || pr.GetValue(Arch) is not null;
    }

    /// <summary>The import of <paramref name="source"/> as the options say; <paramref name="meanFrom"/> stands in for
    /// --mean-from when that is not given.</summary>
    public ImportOptions Bind(ParseResult pr, string source, string? meanFrom = null, string? meanData = null) => new()
    {
        Source = source,
        Architecture = pr.GetValue(Arch),
        Onnx = pr.GetValue(Onnx) || Path.GetExtension(source).Equals(".onnx", StringComparison.OrdinalIgnoreCase),
        Preprocess = pr.GetValue(Preprocess)!,
        LabelsFile = pr.GetValue(Labels),
        Classes = pr.GetValue(Classes),
        InputSize = ParseSize(pr.GetValue(InputSize)),
        MeanFrom = pr.GetValue(MeanFrom) ?? meanFrom,
        MeanDataDir = pr.GetValue(MeanFrom) is null ? meanData : pr.GetValue(MeanData),
        MeanLimit = pr.GetValue(MeanImages),
        Command = CliCommandLine.Of(pr),
    };

    private static (int, int, int)? ParseSize(string? text)
    {
        if (text is null) return null;
        var parts = text.Split('x', 'X');
        if (parts.Length == 3 && parts.All(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
        throw new FragilityException($"--input-size must look like CxHxW (e.g. 3x224x224), got '{text}'.");
    }
}
