using System.CommandLine;
using System.Globalization;
using Fragility.Attacks;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments.Geometry;
using Fragility.Geometry;
using Fragility.Models;
using Spectre.Console;

namespace Fragility.Cli.Commands.Geometry;

/// <summary>Options most geometry subcommands share (model, data, images, attack settings, output), and the helpers
/// every subcommand uses.</summary>
internal sealed class GeometryCliOptions(string defaultOut, int images)
{

    public Option<string?> Model { get; } = CommonOptions.Model();
    public Option<string> Dataset { get; } = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
    public Option<string?> Data { get; } = CommonOptions.Data();
    public Option<int> Images { get; } = new Option<int>("--images", "-n") { Description = $"Number of test images: the first N, in data-set order, that the model classifies correctly.", DefaultValueFactory = _ => images }.AtLeast(1);
    public Option<double> Epsilon { get; } = CommonOptions.Epsilon("The perturbation's size.");
    public Option<double> Beta { get; } = CommonOptions.Beta();
    public Option<int> Iterations { get; } = new Option<int>("--iterations") { Description = "Attack iterations P.", DefaultValueFactory = _ => 50 }.AtLeast(1);
    public Option<double> Step { get; } = CommonOptions.Step();
    public Option<int?> K { get; } = CommonOptions.K();
    public Option<int> BatchSize { get; } = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => 32 }.AtLeast(1);
    public Option<int> Seed { get; } = CommonOptions.Seed();
    public Option<string> Output { get; } = CommonOptions.Out(defaultOut);
    public RuntimeCliOptions Runtime { get; } = new();

    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option[] { Model, Dataset, Data, Images, Epsilon, Beta, Iterations, Step, K, BatchSize, Seed, Output }) cmd.Options.Add(o);
        Runtime.AddTo(cmd);
    }

    public Classifier LoadModel(ParseResult pr, out string name)
    {
        Runtime.Initialize(pr);
        string? path = pr.GetValue(Model);
        name = path is null ? ModelStore.ShippedModelFile : Path.GetFileName(path);
        return ModelStore.Load(path);
    }

    public Experiments.SelectedInputs LoadInputs(CliConsole console, ParseResult pr, Classifier model)
    {
        string name = pr.GetValue(Dataset)!;
        int n = pr.GetValue(Images);
        console.Markup(Markup.Escape($"Selecting the first {n} correctly classified test images of {name}..."));
        return GeometryInputs.Load(model, name, pr.GetValue(Data), n);
    }

    public AttackSettings Settings(ParseResult pr) => new()
    {
        Epsilon = pr.GetValue(Epsilon), Beta = pr.GetValue(Beta), Iterations = pr.GetValue(Iterations), Step = pr.GetValue(Step),
        K = pr.GetValue(K), Seed = pr.GetValue(Seed),
    };

    /// <summary>Prints the headlines and where the files are.</summary>
    public static int Print(CliConsole console, ExperimentSummary summary)
    {
        foreach (var line in summary.Headlines) console.Markup(Markup.Escape(line));
        console.Markup($"Wrote [green]{Markup.Escape(Path.GetFullPath(summary.Folder))}[/] (section.json, PNG and CSV files; give the folder to the HTML report).");
        return 0;
    }

    /// <summary>A comma-separated list of positive whole numbers (<see cref="Lists.Split"/>).</summary>
    public static int[] Ints(string value, string option) => Lists.Split(value, option).Select(s =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
            : throw new FragilityException($"{option}: '{s}' is not a positive whole number.")).ToArray();
}
