using System.CommandLine;
using Fragility.Data;
using Fragility.Models;

namespace Fragility.Cli.Infrastructure;

/// <summary>What a command explains or attacks (--input, --dataset, --data, --strict), defined once for <c>explain</c>
/// and <c>attack</c>.</summary>
internal sealed class InputCliOptions(string what)
{
    /// <summary>--input: an image, a folder of images, or dataset:N.</summary>
    public Option<string> Input { get; } = new("--input", "-i")
    {
        Description = what + ": an image file, a folder of images, or dataset:N (the first N test images of --dataset, in order).",
        DefaultValueFactory = _ => "dataset:8",
    };

    /// <summary>--dataset NAME (default: the shipped sample).</summary>
    public Option<string> Dataset { get; } = CommonOptions.Dataset(DatasetCatalog.Sample);

    /// <summary>--data DIR.</summary>
    public Option<string?> Data { get; } = CommonOptions.Data();

    /// <summary>--strict.</summary>
    public Option<bool> Strict { get; } = CommonOptions.Strict();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Input, Dataset, Data, Strict }) command.Options.Add(o);
    }

    /// <summary>The inputs in <paramref name="model"/>'s geometry, refused when their shape is not the model's; notes on
    /// what was converted go to <paramref name="console"/>.</summary>
    public ImageDataset Load(CliConsole console, ParseResult pr, Classifier model)
    {
        var inputs = CliData.Inputs(console, model, pr.GetValue(Input)!, pr.GetValue(Dataset)!, pr.GetValue(Data), pr.GetValue(Strict));
        var p = model.Metadata.Preprocessing;
        if (inputs.ImageShape == (p.Channels, p.Height, p.Width)) return inputs;
        var (c, h, w) = inputs.ImageShape;
        inputs.Dispose();
        throw new FragilityException($"The inputs are {c}x{h}x{w} but the model expects {p.Channels}x{p.Height}x{p.Width}: give inputs of the model's data set.");
    }
}
