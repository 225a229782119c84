using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Fragility.Audit;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments.Sharding;
using Fragility.Models;
using Fragility.Models.Import;
using Fragility.Runtime;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility audit</c>: a robustness score card of a model's explanations on the user's images, in one
/// command sized to a time budget (the work is <see cref="RobustnessAudit"/>'s).</summary>
public sealed partial class AuditCommand : ICliCommand
{
    /// <summary>Exit code when the verdict trips <c>--fail-if</c> (1: a failed check, as test runners use).</summary>
    public const int GateFailed = 1;

    /// <inheritdoc />
    public int Order => 35;

    /// <inheritdoc />
    public Command Build()
    {
        var model = new Option<string?>("--model", "-m") { Description = "The model: a Fragility model file, or an ONNX (.onnx) or PyTorch (.pt/.pth with --arch) file imported on the fly into DIR/model.safetensors (with the options of 'fragility import'). Default: the shipped Fashion-MNIST small-cnn." };
        var import = new ImportCliOptions();
        var data = new Option<string?>("--data") { Description = "Your images: a folder of PNG/JPEG files, flat (each taken with its predicted label) or one sub-folder per class (named as the model's classes; misclassified images are left out). With --dataset, that data set's folder." };
        var dataset = new Option<string?>("--dataset") { Description = $"A data set instead of a folder: {string.Join(", ", DatasetCatalog.Names)}. Default: folder with --data, else sample (the shipped Fashion-MNIST test images)." };
        var output = CommonOptions.Out("audit");
        var budget = new Option<string>("--budget") { Description = "Time for the whole audit, e.g. 90s, 5m, 1h30m: a calibration sizes images x iterations to fit it (with --shard, each shard's time).", DefaultValueFactory = _ => "5m" };
        var images = new Option<int?>("--images", "-n") { Description = "Audit this many images instead of what the budget allows." };
        var iterations = new Option<int?>("--iterations", "-P") { Description = "Attack iterations instead of what the budget allows (the paper's are 300)." };
        var epsilons = new Option<string>("--epsilons") { Description = "Perturbation sizes in pixel units of the 0-255 scale, comma-separated.", DefaultValueFactory = _ => "1,2,4,8" };
        var methods = new Option<string?>("--methods") { Description = $"Methods, comma-separated. Default: every one the model supports of {string.Join(", ", AuditSettings.AllMethods)}." };
        var shown = new Option<string?>("--shown") { Description = "The method you show users: the verdict and --fail-if are about it. Default: the recommended method." };
        var failIf = new Option<string?>("--fail-if") { Description = "Exit with code 1 when the verdict is this or worse (fragile, very-fragile) or when the shown method keeps less than this share of its top-k under attack (a number such as 0.6): a gate for CI." };
        var seed = CommonOptions.Seed();
        var k = new Option<int?>("--k") { Description = "k of top-k in pixels. Default: 10% of the pixels for maps up to 64x64, 1000 for 224x224." };
        var defenceBeta = new Option<double>("--defence-beta") { Description = "Softplus beta of the beta-smoothing defence audited beside SmoothGrad; 0 leaves it out.", DefaultValueFactory = _ => 2.0 };
        var reference = CommonOptions.Reference();
        var batch = new Option<int?>("--batch-size") { Description = "Images per batch. Default: 16 up to 64x64 pixels, 4 above." };
        var shard = new Option<string?>("--shard") { Description = "Run only shard I of N of the attack grid (e.g. 2/8; default from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, as sweep). Then 'fragility merge DIR --out DIR' and the same audit without --shard writes the score card." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier audit in --out instead of resuming it." };
        var strict = CommonOptions.Strict();
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var jobs = CommonOptions.Jobs();
        var cmd = new Command("audit", "Can this model's explanations be trusted? Attacks every method's maps on your images within a time budget and writes a score card: " +
            "per method, how much of its top-k an imperceptible label-keeping change moves against random noise (95 % bootstrap intervals), a verdict, the sanity check and faithfulness, " +
            "the defences under adaptive attacks, and a recommendation. Writes DIR/scorecard.json, scorecard.md and report.html; resumes when run again.");
        cmd.Options.Add(model);
        import.AddTo(cmd);
        foreach (Option o in new Option[] { data, dataset, output, budget, images, iterations, epsilons, methods, shown, failIf, seed, k, defenceBeta, reference, batch, shard, overwrite, strict, threads, device, jobs })
            cmd.Options.Add(o);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var part = pr.GetValue(shard) is string given ? SweepShard.Parse(given) : ShardEnvironment.Detect();
            int jobCount = CommonOptions.Workers(pr, jobs, threads, part, pr.GetValue(shard) is not null);
            // With workers the calibration is timed on one thread, as each worker runs, so the plan fits the budget.
            TorchRuntime.Initialize(jobCount > 1 ? 1 : pr.GetValue(threads), pr.GetValue(device));
            string outDir = pr.GetValue(output)!;
            var gate = pr.GetValue(failIf) is string g ? VerdictThresholds.ParseGate(g) : ((Verdict?)null, (double?)null);
            var settings = new AuditSettings
            {
                Methods = pr.GetValue(methods) is string m ? Lists.Split(m, "--methods") : null, Epsilons = Lists.Numbers(pr.GetValue(epsilons)!, "--epsilons"),
                Budget = ParseBudget(pr.GetValue(budget)!), Images = pr.GetValue(images), Iterations = pr.GetValue(iterations), Seed = pr.GetValue(seed),
                K = pr.GetValue(k), DefenceBeta = pr.GetValue(defenceBeta), Reference = pr.GetValue(reference)!, BatchSize = pr.GetValue(batch), ShownMethod = pr.GetValue(shown),
            };
            settings.Validate();
            string? dataDir = pr.GetValue(data);
            string datasetName = pr.GetValue(dataset) ?? (dataDir is null ? DatasetCatalog.Sample : DatasetCatalog.Folder);
            using var classifier = LoadModel(pr, model, import, outDir, datasetName, dataDir, out string modelPath);
            using var images0 = CliData.Pool(classifier, datasetName, dataDir, PoolSize(classifier), pr.GetValue(strict));
            var audit = new RobustnessAudit(classifier, settings, modelPath, CliCommandLine.Of(pr));
            ConsoleProgress.Say("Choosing images and timing a calibration step...");
            // The plan is made here once, before any worker starts; the workers read it back (audit.json).
            using var plan = ConsoleProgress.Run("audit", p => audit.Plan(images0, outDir, part, pr.GetValue(overwrite), part is null ? jobCount : 1, p));
            AuditSummary.WritePlan(plan);
            int workers = part is null
                ? WorkerPool.WorkersFor(outDir, jobCount, (plan.Inputs.Count + plan.Sweep.BatchSize - 1) / plan.Sweep.BatchSize, overwrite: false, ConsoleProgress.Say) : 1;
            using var cancel = new CancellationTokenSource();
            using var _ = CliCancellation.OnCtrlC(cancel);
            try
            {
                if (workers > 1)
                {
                    // A model imported above is given to the workers as the file it became, so they do not import it again at once.
                    bool imported = pr.GetValue(model) is string named && Path.GetFullPath(named) != Path.GetFullPath(modelPath);
                    var arguments = WorkerPool.WorkerArguments(pr, [jobs, threads, overwrite, shard, .. imported ? import.All.Append(model) : []]);
                    if (imported) arguments.AddRange(["--model", modelPath]);
                    ConsoleProgress.Say($"Running the attack grid on {workers} worker processes, each a shard on one thread (--jobs; --jobs 1 runs in this process).");
                    int code = ConsoleProgress.Run("audit", p => WorkerPool.Run(arguments, workers, CliCommandLine.Of(pr),
                        (long)plan.Inputs.Count * plan.Sweep.Methods.Count * plan.Sweep.Attacks.Count * plan.Sweep.Epsilons.Count, p, cancel.Token));
                    if (code != 0) return code;
                    var merged = SweepMerge.Run([outDir], outDir);
                    ConsoleProgress.Say($"{workers} workers done; merged their {merged.Cells} cells. Now the checks and the score card.");
                }
                var card = ConsoleProgress.Run("audit", p => audit.Run(plan, p, cancel.Token));
                if (card is null)
                {
                    ConsoleProgress.Say($"Shard {part} done. When every shard is: fragility merge {outDir} --out {outDir}, then this command without --shard writes the score card.");
                    return 0;
                }
                AuditSummary.WriteCard(card, outDir);
                if (!plan.Reused) AuditSummary.WriteOverrun(clock.Elapsed, settings.Budget);
                bool tripped = gate.Item1 is Verdict at ? card.Verdict >= at
                    : gate.Item2 is double below && !(card.Methods.First(x => x.Method == card.ShownMethod).Robustness.Mean >= below);
                if (tripped) Console.Error.WriteLine($"audit gate: {card.ShownMethod} is {VerdictThresholds.Words(card.Verdict)}, which --fail-if {pr.GetValue(failIf)} refuses.");
                return tripped ? GateFailed : 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"interrupted: finished work is kept in {Path.GetFullPath(outDir)}; run the same command again to resume.");
                return SweepCommand.Interrupted;
            }
        }));
        return cmd;
    }

    /// <summary>The model: a Fragility model file as it is, or any other file imported into DIR/model.safetensors,
    /// with the audited images' mean as its reference unless --mean-from says otherwise.</summary>
    private static Classifier LoadModel(ParseResult pr, Option<string?> model, ImportCliOptions import, string outDir, string dataset, string? dataDir, out string path)
    {
        string? given = pr.GetValue(model);
        if (given is null || !import.MustImport(pr, given))
        {
            if (given is not null && !File.Exists(given)) throw new FragilityException($"Model file '{given}' does not exist: check the path.");
            path = given ?? ModelStore.ShippedModelPath();
            return ModelStore.Load(path);
        }
        Directory.CreateDirectory(outDir);
        path = Path.Combine(outDir, "model.safetensors");
        var options = import.Bind(pr, given);
        bool ownMean = pr.GetValue(import.MeanFrom) is null;
        if (ownMean)
        {
            // The audited images become the reference's mean; first check that they fit the model at all, so a
            // mismatch is reported as the images', not as a --mean-from the user never gave.
            using (var probe = ModelImporter.Import(options).Model)
            using (var first = DatasetCatalog.Load(dataset, DatasetSplit.Test, dataDir, CliData.OptionsFor(probe), limit: 1))
                RobustnessAudit.CheckGeometry(probe, first);
            options = options with { MeanFrom = dataDir ?? dataset, MeanDataDir = dataDir is null ? null : options.MeanDataDir };
        }
        var result = ModelImporter.ImportAndSave(options, path);
        ConsoleProgress.Say($"Imported {given} as {result.Model.Metadata.Architecture} into {path}" +
            (ownMean ? $"; its reference is the mean of the audited images ({options.MeanFrom})." : "."));
        foreach (string note in result.Notes) Console.WriteLine($"note: {note}");
        return result.Model;
    }

    /// <summary>How many images are read to choose from (in file order): all of a small-image data set, and about
    /// 200 MB of pixels for large images (330 at 3x224x224), so a big folder of photos is not read whole.</summary>
    private static int PoolSize(Classifier model)
    {
        var p = model.Metadata.Preprocessing;
        return (int)Math.Clamp(200e6 / (4.0 * p.Channels * p.Height * p.Width), 200, 10000);
    }

    /// <summary>Parses a budget such as 90s, 5m, 1h30m or 2h (a bare number is minutes).</summary>
    internal static TimeSpan ParseBudget(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes) && minutes > 0) return TimeSpan.FromMinutes(minutes);
        var match = BudgetPattern().Match(t);
        if (!match.Success || t.Length == 0)
            throw new FragilityException($"--budget '{text}' is not a duration: write e.g. 90s, 5m, 1h30m.");
        double seconds = 0;
        foreach (Capture c in match.Groups["part"].Captures)
        {
            double v = double.Parse(c.Value[..^1], CultureInfo.InvariantCulture);
            seconds += c.Value[^1] switch { 'h' => 3600 * v, 'm' => 60 * v, _ => v };
        }
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw new FragilityException($"--budget '{text}' must be positive, e.g. 5m.");
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[hms])+$")]
    private static partial Regex BudgetPattern();
}
