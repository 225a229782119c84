using System.CommandLine;
using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Experiments.Sharding;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility sweep</c>: the paper's experiment grid, resumable, into a sweep folder.</summary>
public sealed class SweepCommand : ICliCommand
{
    /// <summary>Exit code of an interrupted sweep (128 + SIGINT, as shells report Ctrl+C).</summary>
    public const int Interrupted = 130;

    /// <inheritdoc />
    public int Order => 40;

    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model();
        var dataset = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        var data = CommonOptions.Data();
        var images = new Option<int>("--images", "-n") { Description = "Number of test images attacked: the first N, in data-set order, that the model classifies correctly. Default: 100.", DefaultValueFactory = _ => 100 };
        var methods = new Option<string>("--methods") { Description = $"Attribution methods, comma-separated: {string.Join(", ", AttributionMethods.Names)}. Default: gradient,ig,deeplift.", DefaultValueFactory = _ => "gradient,ig,deeplift" };
        var attacks = new Option<string>("--attacks") { Description = "Attacks, comma-separated: random, random_walk, topk, mass_center, targeted. Default: random,topk,mass_center.", DefaultValueFactory = _ => "random,topk,mass_center" };
        var epsilons = CommonOptions.Epsilons("The grid's perturbation sizes (the default is the paper's).");
        var metrics = new Option<string>("--metrics")
        {
            Description = "Metrics written on each result line, comma-separated, by category: " +
                string.Join("; ", Enum.GetValues<MetricCategory>().Select(c => $"{c.ToString().ToLowerInvariant()} {string.Join(", ", MetricCatalogue.Names(c))}")) +
                ". Similarity compares the clean and the attacked map; the others describe the clean input's map and repeat on each of its lines " +
                "(see docs/metrics.md). The default is what sweeps have always written; a sweep resumes only with the metrics it started with.",
            DefaultValueFactory = _ => string.Join(",", MetricCatalogue.DefaultNames),
        }.ListOf([.. MetricCatalogue.All.Select(m => m.Name)]);
        var sensitivityRadius = new Option<double>("--sensitivity-radius")
        {
            Description = "Noise radius of max_sensitivity, avg_sensitivity and local_lipschitz in pixel units of the 0-255 scale (uniform in the L-infinity ball; 8 is the paper's largest epsilon).",
            DefaultValueFactory = _ => new SweepSettings().SensitivityRadius,
        }.Above(0.0, 255.0);
        var sensitivitySamples = new Option<int>("--sensitivity-samples")
        {
            Description = "Noise draws per image of max_sensitivity, avg_sensitivity and local_lipschitz.",
            DefaultValueFactory = _ => new SweepSettings().SensitivitySamples,
        }.AtLeast(1);
        var shared = new AttackCliOptions();
        var arrayImages = new Option<int>("--array-images") { Description = "How many images (the first ones) get .npy arrays in DIR/arrays (clean and perturbed images and maps), to bound disk use; 0 for none. Default: 32.", DefaultValueFactory = _ => 32 };
        var output = CommonOptions.Out("sweep");
        var shard = new Option<string?>("--shard")
        {
            Description = "Run only shard I of N of the sweep (1-based, e.g. 2/8): whole batches of --batch-size images, into results.shard-I-of-N.jsonl and " +
                "run.shard-I-of-N.json in --out, beside the other shards; join them with 'fragility merge'. Default: read from the scheduler's environment, " +
                "SLURM_ARRAY_TASK_ID within SLURM_ARRAY_TASK_MIN..MAX (with SLURM_ARRAY_TASK_STEP and SLURM_ARRAY_TASK_COUNT) for a Slurm job array, or " +
                "JOB_COMPLETION_INDEX (0-based) with FRAGILITY_SHARD_COUNT for a Kubernetes Indexed Job; the whole sweep when none is set. See cluster/README.md.",
        };
        var overwrite = new Option<bool>("--overwrite") { Description = "Delete a previous sweep's files in --out and start over, instead of resuming it. Default: off (resume)." };
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var jobs = CommonOptions.Jobs();
        var cmd = new Command("sweep",
            "Run every method x attack x epsilon on the first N correctly classified test images and write DIR/run.json, DIR/results.jsonl (one line per input x method x attack x epsilon), " +
            "DIR/arrays/*.npy, DIR/summary.csv and DIR/figure.png. Re-running the same command resumes an interrupted sweep; different settings on the same DIR are refused.")
        {
            model, dataset, data, images, methods, attacks, epsilons, metrics, sensitivityRadius, sensitivitySamples,
        };
        shared.AddTo(cmd);
        foreach (Option o in new Option[] { arrayImages, output, shard, overwrite, threads, device, jobs }) cmd.Options.Add(o);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads), pr.GetValue(device));
            string? modelPath = pr.GetValue(model);
            using var classifier = ModelStore.Load(modelPath);
            var p = classifier.Metadata.Preprocessing;
            var attack = shared.Settings(pr, 8);
            var settings = new SweepSettings
            {
                Methods = Lists.Split(pr.GetValue(methods)!, "--methods"),
                Attacks = Lists.Split(pr.GetValue(attacks)!, "--attacks").Select(AttackNames.Canonical).ToArray(),
                Epsilons = Lists.Numbers(pr.GetValue(epsilons)!, "--epsilons"),
                Images = pr.GetValue(images), Iterations = attack.Iterations, Step = attack.Step, K = attack.K,
                Beta = attack.Beta, Seed = attack.Seed, Criterion = attack.Criterion,
                BatchSize = pr.GetValue(shared.BatchSize), IgSteps = pr.GetValue(shared.IgSteps), AttackSteps = pr.GetValue(shared.AttackSteps),
                Target = shared.Target(pr), ArrayImages = pr.GetValue(arrayImages),
                CriterionIg = CriterionQuadrature.Parse(pr.GetValue(shared.CriterionIg)!),
                Metrics = MetricCatalogue.Canonical(Lists.Split(pr.GetValue(metrics)!, "--metrics")),
                SensitivityRadius = pr.GetValue(sensitivityRadius), SensitivitySamples = pr.GetValue(sensitivitySamples),
            };
            settings.Validate(p.Height, p.Width);
            var part = pr.GetValue(shard) is string given ? SweepShard.Parse(given) : ShardEnvironment.Detect();
            int jobCount = CommonOptions.Workers(pr, jobs, threads, part, pr.GetValue(shard) is not null);
            var factory = shared.MethodFactory(pr, classifier);
            foreach (string m in settings.Methods) factory(m, settings.IgSteps);   // unknown names fail before any data is read

            string name = pr.GetValue(dataset)!;
            ConsoleProgress.Say(($"Selecting the first {settings.Images} correctly classified test images of {name}..."));
            using var inputs = SweepInputs.Load(classifier, name, pr.GetValue(data), CliData.OptionsFor(classifier), settings.Images);
            // From the parsed tokens rather than the process arguments, which are the host's when run in-process.
            string command = CliCommandLine.Of(pr);
            var provenance = new SweepProvenance(command,
                modelPath ?? ModelStore.ShippedModelPath());
            var sweep = new FragilitySweep(classifier, inputs, settings, factory, provenance, part);
            if (part is not null)
                ConsoleProgress.Say(($"Shard {part} ({(pr.GetValue(shard) is null ? "from the scheduler's environment" : "--shard")}): " +
                    $"{sweep.TotalCells / (settings.Methods.Count * settings.Attacks.Count * settings.Epsilons.Count)} of the {inputs.Count} images."));
            string outDir = pr.GetValue(output)!;
            int workers = part is null ? WorkerPool.WorkersFor(outDir, jobCount, (inputs.Count + settings.BatchSize - 1) / settings.BatchSize, pr.GetValue(overwrite), ConsoleProgress.Say) : 1;
            ConsoleProgress.Say(($"{sweep.TotalCells} cells: {inputs.Count} images (of {inputs.Scanned} scanned) x {settings.Methods.Count} methods x " +
                $"{settings.Attacks.Count} attacks x {settings.Epsilons.Count} epsilons; {settings.Iterations} iterations of {CommonOptions.Number(settings.Step)}/255, k = {sweep.K}, beta = {CommonOptions.Number(settings.Beta)}."));

            // A worker of --jobs leaves the estimate to its parent, which has made it for the whole grid.
            if (!WorkerProgress.InWorker)
            {
                var estimate = SweepEstimate.Measure(classifier, inputs, settings, factory, part is null ? inputs.Count : sweep.TotalCells / (settings.Methods.Count * settings.Attacks.Count * settings.Epsilons.Count));
                ConsoleProgress.Say(($"Estimated time: {Duration(estimate.Seconds / workers)} for the whole grid" + (workers > 1 ? $" on {workers} workers, if each has a core of its own" : "") +
                    $" (less if resuming), from a {estimate.CalibrationSeconds:F1} s calibration on " +
                    $"{estimate.CalibrationImages} images; one attack step per image: " +
                    string.Join(", ", estimate.SecondsPerAttackStep.Select(kv => $"{kv.Key} {kv.Value * 1000:F0} ms")) + "."));
            }

            using var cancel = new CancellationTokenSource();
            // First Ctrl+C: stop after the current iteration, keeping finished cells; a second one ends the process at once.
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = !cancel.IsCancellationRequested; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                if (workers > 1) return RunWorkers(outDir, workers, command, sweep.TotalCells, pr.GetValue(overwrite), WorkerPool.WorkerArguments(pr, jobs, threads, overwrite, shard), cancel.Token);
                var outcome = ConsoleProgress.Run("sweep", progress => sweep.Run(outDir, pr.GetValue(overwrite), progress, cancel.Token));
                if (outcome.DroppedIncompleteLine)
                    AnsiConsole.MarkupLine("[yellow]Dropped an incomplete last line of results.jsonl (an interrupted write); its cell was run again.[/]");
                ConsoleProgress.Say($"{outcome.CellsRun} cells run, {outcome.CellsResumed} resumed, {outcome.TotalCells} in all; wrote {Path.GetFullPath(outDir)} " +
                    (part is null ? $"({SweepFiles.ResultsFile}, {SweepFiles.SummaryFile}, {SweepFiles.FigureFile})."
                        : $"({ShardFiles.ResultsFile(part)}); when every shard is done: fragility merge {outDir} --out {outDir}"));
                if (part is null) WriteReportAndSummary(outDir);
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"interrupted: finished cells are kept in " + (workers > 1 ? $"the workers' {Path.Combine(outDir, $"results.shard-I-of-{workers}.jsonl")}"
                    : Path.Combine(outDir, part is null ? SweepFiles.ResultsFile : ShardFiles.ResultsFile(part))) + "; run the same command again to resume.");
                return Interrupted;
            }
            finally { Console.CancelKeyPress -= onCancel; }
        }));
        return cmd;
    }

    /// <summary>--jobs: the workers, each a shard of the grid, then the merge into <paramref name="outDir"/>, the report and the summary.</summary>
    private static int RunWorkers(string outDir, int workers, string command, long total, bool overwrite, IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        // The workers get no --overwrite: each would clear only its own shard, and the folder is cleared here once.
        if (overwrite) WorkerPool.ClearSweep(outDir);
        ConsoleProgress.Say($"Running {workers} worker processes, each a shard of the grid on one thread (--jobs; --jobs 1 runs in this process).");
        int code = ConsoleProgress.Run("sweep", progress => WorkerPool.Run(arguments, workers, command, total, progress, cancellation));
        if (code != 0) return code;
        var merged = SweepMerge.Run([outDir], outDir);
        ConsoleProgress.Say($"{workers} workers done; merged their {merged.Cells} cells into {Path.GetFullPath(outDir)} ({SweepFiles.ResultsFile}, {SweepFiles.SummaryFile}, {SweepFiles.FigureFile}).");
        WriteReportAndSummary(outDir);
        return 0;
    }

    /// <summary>After a whole sweep: the HTML report, and the summary table at the largest epsilon.</summary>
    internal static void WriteReportAndSummary(string outDir)
    {
        string report = ReportCommand.Write(CliConsole.Standard, outDir, null, []);
        var summary = SweepSummary.Load(outDir);
        double largest = summary.Epsilons.Count > 0 ? summary.Epsilons.Max() : 0;
        ConsoleProgress.Say($"Summary at the largest epsilon ({largest.ToString("G4", CultureInfo.InvariantCulture)}/255): 1 = map unchanged; the label is kept in every returned perturbation.");
        SummaryTable.Write(summary, [largest]);
        ConsoleProgress.Say($"Open the report: {report}");
    }

    /// <summary>A duration for people: seconds, minutes or hours.</summary>
    internal static string Duration(double seconds) => seconds switch
    {
        < 90 => $"about {seconds:F0} s",
        < 5400 => $"about {seconds / 60:F0} min",
        _ => $"about {seconds / 3600:F1} h",
    };
}
