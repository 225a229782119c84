using System.CommandLine;
using Fragility.Audit;
using Fragility.Data;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options of <c>audit</c> that say what is audited and how, bound to <see cref="AuditSettings"/>, whose
/// defaults they show (each default is stated once, in the settings record).</summary>
internal sealed class AuditCliOptions
{
    private static readonly AuditSettings Defaults = new();

    public Option<string?> Model { get; } = new("--model", "-m") { Description = "The model: a Fragility model file, or an ONNX (.onnx) or PyTorch (.pt/.pth with --arch) file imported on the fly into DIR/model.safetensors (with the options of 'fragility import'). Without it: the shipped Fashion-MNIST small-cnn." };
    public Option<string?> FailIf { get; } = new("--fail-if") { Description = "Exit with code 1 when the verdict is this or worse (fragile, very-fragile) or when the shown method keeps less than this share of its top-k under attack (a number such as 0.6): a gate for CI." };
    public Option<string?> Data { get; } = new("--data") { Description = "Your images: a folder of PNG/JPEG files, flat (each taken with its predicted label) or one sub-folder per class (named as the model's classes; misclassified images are left out). With --dataset, that data set's folder." };
    public Option<string?> Dataset { get; } = new("--dataset") { Description = $"A data set instead of a folder: {string.Join(", ", DatasetCatalog.Names)}. Without it: folder with --data, else sample (the shipped Fashion-MNIST test images)." };
    public Option<string> Budget { get; } = new("--budget") { Description = "Time for the whole audit, e.g. 90s, 5m, 1h30m: a calibration sizes images x iterations to fit it (with --shard, each shard's time).", DefaultValueFactory = _ => $"{Defaults.Budget.TotalMinutes}m" };
    public Option<int?> Images { get; } = new Option<int?>("--images", "-n") { Description = "Audit this many images instead of what the budget allows." }.AtLeast(1);
    public Option<int?> Iterations { get; } = new Option<int?>("--iterations", "-P") { Description = "Attack iterations instead of what the budget allows (the paper's are 300)." }.AtLeast(1);
    public Option<string> Epsilons { get; } = CommonOptions.Epsilons("The audited perturbation sizes.");
    public Option<string?> Methods { get; } = new("--methods") { Description = $"Methods, comma-separated. Without it: every one the model supports of {string.Join(", ", AuditSettings.AllMethods)}." };
    public Option<string?> Shown { get; } = new("--shown") { Description = "The method you show users: the verdict and --fail-if are about it. Without it: the recommended method." };
    public Option<int> Seed { get; } = CommonOptions.Seed();
    public Option<int?> K { get; } = CommonOptions.K();
    public Option<double> DefenceBeta { get; } = new Option<double>("--defence-beta") { Description = "Softplus beta of the beta-smoothing defence audited beside SmoothGrad; 0 leaves it out.", DefaultValueFactory = _ => Defaults.DefenceBeta }.AtLeast(0.0);
    public Option<string> Reference { get; } = CommonOptions.Reference();
    public Option<int?> BatchSize { get; } = new Option<int?>("--batch-size") { Description = "Images per batch. Without it: 16 up to 64x64 pixels, 4 above." }.AtLeast(1);
    public Option<bool> Strict { get; } = CommonOptions.Strict();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Model, FailIf, Data, Dataset, Budget, Images, Iterations, Epsilons, Methods, Shown, Seed, K, DefenceBeta, Reference, BatchSize, Strict })
            command.Options.Add(o);
    }

    /// <summary>The --fail-if gate (none without it).</summary>
    public (Verdict? AtOrWorse, double? Below) Gate(ParseResult pr) => pr.GetValue(FailIf) is string g ? VerdictThresholds.ParseGate(g) : (null, null);

    /// <summary>The audited model: --model as it is, or imported into <paramref name="outDir"/> with
    /// <paramref name="import"/>'s options (the import is told on <paramref name="console"/>); null import options
    /// in <paramref name="imported"/> mean none was needed.</summary>
    public AuditedModel Load(CliConsole console, ParseResult pr, ImportCliOptions import, string outDir, out Fragility.Models.Import.ImportOptions? imported)
    {
        string? file = pr.GetValue(Model);
        imported = file is not null && import.MustImport(pr, file) ? import.Bind(pr, file) : null;
        var loaded = AuditedModel.Load(file, imported, outDir, DatasetName(pr), pr.GetValue(Data));
        foreach (string message in loaded.Messages) console.Say(message);
        return loaded;
    }

    /// <summary>The data set the images come from: --dataset, else a folder with --data, else the shipped sample.</summary>
    public string DatasetName(ParseResult pr) => pr.GetValue(Dataset) ?? (pr.GetValue(Data) is null ? DatasetCatalog.Sample : DatasetCatalog.Folder);

    /// <summary>The validated settings the options say.</summary>
    public AuditSettings Bind(ParseResult pr)
    {
        var settings = new AuditSettings
        {
            Methods = pr.GetValue(Methods) is string m ? Lists.Split(m, "--methods") : null, Epsilons = Lists.Numbers(pr.GetValue(Epsilons)!, "--epsilons"),
            Budget = AuditBudget.Parse(pr.GetValue(Budget)!), Images = pr.GetValue(Images), Iterations = pr.GetValue(Iterations), Seed = pr.GetValue(Seed),
            K = pr.GetValue(K), DefenceBeta = pr.GetValue(DefenceBeta), Reference = pr.GetValue(Reference)!, BatchSize = pr.GetValue(BatchSize), ShownMethod = pr.GetValue(Shown),
        };
        settings.Validate();
        return settings;
    }
}
