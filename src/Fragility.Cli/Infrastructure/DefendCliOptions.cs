using System.CommandLine;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Defences;
using Fragility.Models;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options of <c>defend</c>, bound to <see cref="DefenceSettings"/>, whose defaults they show (each default
/// is stated once, in the settings record).</summary>
internal sealed class DefendCliOptions
{
    private static readonly DefenceSettings Defaults = new();

    public Option<string[]> Models { get; } = new("--model", "-m")
    {
        Description = "Model file(s) (.safetensors), e.g. one per 'fragility train --regularise ...'; repeat the option or separate with commas. A row is named by the file name without extension. Without it: the shipped Fashion-MNIST small-cnn.",
        AllowMultipleArgumentsPerToken = false,
    };
    public Option<string> Dataset { get; } = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
    public Option<string?> Data { get; } = CommonOptions.Data();

    public Option<string> Methods { get; } = new Option<string>("--methods") { Description = $"Attribution methods, comma-separated: {string.Join(", ", AttributionMethods.Names)}.", DefaultValueFactory = _ => string.Join(",", Defaults.Methods) }.ListOf(AttributionMethods.Names);
    public Option<string> Defences { get; } = new("--defences")
    {
        Description = "Explanation-side defences, comma-separated: none; beta:B (map of the softplus(B) twin, Dombrowski et al. 2019); smoothgrad and smoothgrad_sq (optionally smoothgrad:n=N;sigma=S, sigma on the 0-255 scale); " +
            "jitter:R (mean over shifts of up to R pixels); ig_steps:M and ig_reference:REF (for the method ig). 'none' is always evaluated.",
        DefaultValueFactory = _ => string.Join(",", Defaults.Defences),
    };
    public Option<string?> DefendModels { get; } = new("--defend-models") { Description = "Models (by name: file name without extension) that get the explanation-side defences, comma-separated; the others get the undefended row only. Without it: all." };
    public Option<int> Images { get; } = new Option<int>("--images", "-n") { Description = "Attacked test images: the first N, in data-set order, that every model classifies correctly.", DefaultValueFactory = _ => Defaults.Images }.AtLeast(1);
    public Option<string> Epsilons { get; } = CommonOptions.Epsilons("Epsilons of the top-k attack's robustness curve.");
    public Option<double> Epsilon { get; } = CommonOptions.Epsilon("Epsilon of the table's columns (top-k, mass-center and random attacks).");
    public Option<int> Iterations { get; } = CommonOptions.Iterations();
    public Option<double> Step { get; } = CommonOptions.Step();
    public Option<int?> K { get; } = CommonOptions.K();
    public Option<double> Beta { get; } = CommonOptions.Beta();
    public Option<int> Seed { get; } = CommonOptions.Seed();
    public Option<int> BatchSize { get; } = CommonOptions.BatchSize();
    public MethodCliOptions MethodSettings { get; } = new();
    public Option<int> FaithfulnessSteps { get; } = new Option<int>("--faithfulness-steps") { Description = "Steps of the deletion and insertion curves.", DefaultValueFactory = _ => Defaults.FaithfulnessSteps }.AtLeast(1);
    public Option<string> Deletion { get; } = new("--deletion-baseline") { Description = "What deleted pixels become (a reference name: zero, mean, blur...).", DefaultValueFactory = _ => Defaults.DeletionBaseline };
    public Option<string> Insertion { get; } = new("--insertion-baseline") { Description = "What insertion starts from (a reference name; blur is sigma 2 pixels).", DefaultValueFactory = _ => Defaults.InsertionBaseline };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Models, Dataset, Data, Methods, Defences, DefendModels, Images, Epsilons, Epsilon, Iterations, Step, K, Beta, Seed, BatchSize, FaithfulnessSteps, Deletion, Insertion })
            command.Options.Add(o);
        MethodSettings.AddTo(command);
    }

    /// <summary>The model files the options name (the shipped model without any), each checked to exist.</summary>
    public IReadOnlyList<string> ModelPaths(ParseResult pr) => ModelStore.ExistingPaths(pr.GetValue(Models) ?? []);

    /// <summary>The labelled test split of --dataset, in the first model's geometry.</summary>
    public ImageDataset TestSplit(ParseResult pr, IReadOnlyList<string> paths)
    {
        using var first = ModelStore.Load(paths[0]);
        return ModelData.Load(first, pr.GetValue(Dataset)!, DatasetSplit.Test, pr.GetValue(Data));
    }

    /// <summary>The settings the options say; bad method or defence names fail here, before any data are read.</summary>
    public DefenceSettings Bind(ParseResult pr)
    {
        var settings = new DefenceSettings
        {
            Methods = Lists.Split(pr.GetValue(Methods)!, "--methods"),
            // Semicolons inside one item (smoothgrad:n=16;sigma=30) stand for the commas of its settings.
            Defences = Lists.Split(pr.GetValue(Defences)!, "--defences").Select(s => s.Replace(';', ',')).ToArray(),
            Images = pr.GetValue(Images), Epsilons = Lists.Numbers(pr.GetValue(Epsilons)!, "--epsilons"), TableEpsilon = pr.GetValue(Epsilon),
            Iterations = pr.GetValue(Iterations), Step = pr.GetValue(Step), K = pr.GetValue(K), Beta = pr.GetValue(Beta), Seed = pr.GetValue(Seed),
            BatchSize = pr.GetValue(BatchSize), SmoothGradSamples = pr.GetValue(MethodSettings.SmoothGradSamples), SmoothGradSigma255 = pr.GetValue(MethodSettings.SmoothGradSigma),
            IgSteps = pr.GetValue(MethodSettings.IgSteps), IgRule = PathIntegration.Parse(pr.GetValue(MethodSettings.IgRule)!), Reference = pr.GetValue(MethodSettings.Reference)!,
            FaithfulnessSteps = pr.GetValue(FaithfulnessSteps), DeletionBaseline = pr.GetValue(Deletion)!, InsertionBaseline = pr.GetValue(Insertion)!,
        };
        foreach (string d in settings.Defences) ExplanationDefence.Parse(d);
        return settings;
    }
}
