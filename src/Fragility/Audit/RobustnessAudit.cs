using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Defences;
using Fragility.Experiments;
using Fragility.Experiments.Sharding;
using Fragility.IO;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Runtime;

namespace Fragility.Audit;

/// <summary>
/// Can this model's explanations be trusted? One call that answers with a <see cref="ScoreCard"/>: it picks images
/// (correctly classified, stratified over classes, seeded), sizes the run to a time budget from a calibration, attacks
/// every method's maps with the paper's top-k and mass-center attacks and with random noise of the same size
/// (a resumable, shardable sweep), runs the sanity check and faithfulness beside it, measures the defences under
/// their adaptive attacks, and writes scorecard.json, scorecard.md and the HTML report into the audit folder.
/// <code>
/// using var model = ModelStore.Load("model.safetensors");
/// using var images = DatasetCatalog.Load("folder", DatasetSplit.Test, "photos", model.Metadata.Preprocessing.LoadOptions());
/// var card = new RobustnessAudit(model, new AuditSettings { Budget = TimeSpan.FromMinutes(2) }).Run(images, "audit");
/// </code>
/// </summary>
public sealed class RobustnessAudit
{
    /// <summary>The plan of the audit in its folder.</summary>
    public const string PlanFile = "audit.json";

    /// <summary>SmoothGrad samples inside the attack's gradient (the map and the criterion use all of them).</summary>
    public const int AttackGradientSamples = 10;

    private static readonly string[] Attacks = [AttackNames.Random, AttackNames.TopK, AttackNames.MassCenter];

    private readonly Classifier _model;
    private readonly AuditSettings _settings;
    private readonly string _modelPath;
    private readonly string _command;
    private readonly SweepMethodFactory _methods;
    private readonly IReference _reference;

    /// <summary>Prepares an audit of <paramref name="model"/>.</summary>
    /// <param name="model">The classifier (ReLU network).</param>
    /// <param name="settings">What to measure and the budget.</param>
    /// <param name="modelPath">Its file, recorded in the outputs ("" for a model made in memory).</param>
    /// <param name="command">The command line, recorded in the outputs.</param>
    /// <exception cref="FragilityException">A setting is out of range, or the reference is unknown for this model.</exception>
    public RobustnessAudit(Classifier model, AuditSettings settings, string modelPath = "", string command = "")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _model = model;
        _settings = settings;
        _modelPath = modelPath;
        _command = command;
        var options = new AttributionOptions { SmoothGradSamples = settings.SmoothGradSamples, SmoothGradSigma255 = settings.SmoothGradSigma255, Seed = settings.Seed };
        _reference = References.Create(model, settings.Reference);
        var basis = SweepMethods.Create(_reference, IntegrationRule.RiemannRight, options);
        // The attack's gradient goes through SmoothGrad with fewer noise samples (seeded like the map's), as it goes
        // through IG with fewer path points: each sample costs a double backward pass. run.json states both.
        var gradientBasis = SweepMethods.Create(_reference, IntegrationRule.RiemannRight,
            options with { SmoothGradSamples = Math.Min(settings.SmoothGradSamples, AttackGradientSamples) });
        int attackSteps = new SweepSettings().AttackSteps;
        _methods = (name, igSteps) => name == BetaMethod ? new BetaSmoothed(basis(AuditSettings.DefendedMethod, igSteps), settings.DefenceBeta)
            : name == "smoothgrad" && igSteps == attackSteps ? gradientBasis(name, igSteps)
            : basis(name, igSteps);
    }

    /// <summary>The grid name of the beta-smoothed gradient (the beta-smoothing defence), e.g. gradient_beta2.</summary>
    public string BetaMethod => $"{AuditSettings.DefendedMethod}_beta{_settings.DefenceBeta.ToString("R", CultureInfo.InvariantCulture)}";

    /// <summary>Plans and runs the audit of <paramref name="data"/> into <paramref name="directory"/> (see <see cref="Plan"/> and <see cref="Run(AuditPlan, IProgress{ProgressUpdate}?, CancellationToken)"/>).</summary>
    public ScoreCard Run(ImageDataset data, string directory, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        using var plan = Plan(data, directory);
        return Run(plan, progress, cancellation)!;
    }

    /// <summary>
    /// Chooses what the audit will run: the usable images in a stratified seeded order, the methods the model supports,
    /// and images x iterations from a calibration that fits the budget (see <see cref="AuditBudget"/>). The plan is
    /// saved in <paramref name="directory"/> (audit.json); run again with the same settings, the audit reads it back
    /// instead of calibrating, so it resumes the same grid. Shards of one audit share the first shard's plan.
    /// </summary>
    /// <param name="data">The user's images (labels where known).</param>
    /// <param name="directory">The audit folder (created if missing).</param>
    /// <param name="shard">Run only this shard of the grid (its budget is this shard's); null for all of it.</param>
    /// <param name="overwrite">Delete an earlier audit in the folder instead of resuming it.</param>
    /// <param name="workers">Processes that will run the attack grid side by side (the CLI's --jobs), each on a core
    /// like the calibration's: an attack iteration then costs 1/<paramref name="workers"/> of its measured wall-clock
    /// time, so the budget stays the whole audit's wall-clock time. The rest (clean maps, checks) is counted at full
    /// cost, as the checks run in one process. 1 for a single process, and with <paramref name="shard"/>.</param>
    /// <param name="progress">Receives "calibration" updates while the calibration times each method.</param>
    /// <exception cref="FragilityException">No usable image, images of the wrong size, a method the model cannot
    /// explain when named, a budget too small for one image, or a folder holding another audit.</exception>
    public AuditPlan Plan(ImageDataset data, string directory, SweepShard? shard = null, bool overwrite = false, int workers = 1,
        IProgress<ProgressUpdate>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var clock = Stopwatch.StartNew();
        if (data.Count == 0) throw new FragilityException($"No images in '{data.Name}': give a folder of PNG or JPEG files, or another data set.");
        CheckGeometry(_model, data);
        var (_, h, w) = data.ImageShape;
        Directory.CreateDirectory(directory);
        string planPath = Path.Combine(directory, PlanFile);
        if (overwrite) Clear(directory);

        var (order, _, labelled, correct) = SweepInputs.Stratified(_model, data, _settings.Seed);
        if (order.Count == 0)
            throw new FragilityException($"None of the {data.Count} images is usable: the model misclassifies every labelled one. Check that the images and the model's class names match.");
        if (_settings.Images is int wanted && wanted > order.Count)   // before the calibration, which may take minutes
            throw new FragilityException($"--images {wanted} but only {order.Count} usable images (correctly classified or unlabelled): ask for fewer, or give more images.");
        int batch = _settings.BatchSizeFor(h, w);
        string fingerprint = Fingerprint(data);
        if (ReadPlan(planPath, fingerprint, directory) is { } stored)
            return Make(directory, data, order, stored, reused: true, shard, batch, labelled, correct);

        var (methods, skipped) = SupportedMethods(data.Images.narrow(0, order[0], 1));
        var grid = methods.ToList();
        if (_settings.DefenceBeta > 0 && methods.Contains(AuditSettings.DefendedMethod)) grid.Add(BetaMethod);
        // Large images are calibrated on one image: a batch would cost minutes before the audit starts.
        int calibrationImages = h * w <= 64 * 64 ? batch : 1;
        using var calibration = Select(data, order.Take(Math.Min(calibrationImages, order.Count)).ToList());
        var estimate = SweepEstimate.Measure(_model, calibration, SweepFor(grid, calibration.Count, 300, batch, calibration.Count), _methods,
            calibration.Count, calibrationImages, progress);
        double budget = _settings.Budget.TotalSeconds * (shard?.Count ?? 1) - clock.Elapsed.TotalSeconds;
        AuditChoice choice;
        while (true)
        {
            try
            {
                var cost = CostOf(estimate, grid);
                choice = AuditBudget.Choose(cost with { PerIterationPerImage = cost.PerIterationPerImage / workers }, budget, order.Count, _settings);
                break;
            }
            catch (FragilityException) when (_settings.Methods is null && grid.Any(Droppable))
            {
                // Unasked-for methods give way to the budget, costliest first, each with a note saying what it would need.
                string costliest = grid.Where(Droppable).MaxBy(m => estimate.PerMethod[m].PerIteration)!;
                var alone = new AuditCost(2 * estimate.PerMethod[costliest].Fixed, estimate.PerMethod[costliest].PerIteration, 0);
                skipped[costliest] = $"it does not fit the --budget: one image at {_settings.MinIterations} iterations needs " +
                    $"{Runtime.Durations.ForPeople(alone.Seconds(1, _settings.MinIterations))} for this method alone; give a larger --budget, or name it in --methods, to include it";
                grid.Remove(costliest);
            }
        }
        var plan = new StoredPlan(choice, grid, skipped, clock.Elapsed.TotalSeconds);
        plan = WritePlan(planPath, fingerprint, plan, CostOf(estimate, grid), directory);
        return Make(directory, data, order, plan, reused: false, shard, batch, labelled, correct);
    }

    // The gradient and its beta-smoothed twin are the baseline every defence is compared with.
    private bool Droppable(string method) => method != AuditSettings.DefendedMethod && method != BetaMethod
        && !string.Equals(method, _settings.ShownMethod, StringComparison.OrdinalIgnoreCase);

    /// <summary>The cost model of <paramref name="grid"/>: the checks cost about one more set of clean maps per image
    /// (maps of the randomised model, the timed maps, deletion and insertion), so fixed costs count twice; writing the
    /// outputs is a small constant.</summary>
    private static AuditCost CostOf(SweepEstimate estimate, IReadOnlyList<string> grid) =>
        new(2 * grid.Sum(m => estimate.PerMethod[m].Fixed), grid.Sum(m => estimate.PerMethod[m].PerIteration), Overhead: 10);

    /// <summary>Refuses images whose size is not the model's, in one line that says what to do.</summary>
    /// <exception cref="FragilityException">The sizes differ.</exception>
    public static void CheckGeometry(Classifier model, ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var p = model.Metadata.Preprocessing;
        var (c, h, w) = data.ImageShape;
        if (c != p.Channels || h != p.Height || w != p.Width)
            throw new FragilityException($"The images of '{data.Name}' are {c}x{h}x{w} but the model expects {p.Channels}x{p.Height}x{p.Width}: give a folder of images (folders are brought to the model's size), or audit the model they were made for.");
    }

    /// <summary>
    /// Runs (or resumes) a plan: the attack grid, then the checks, then writes the score card, its Markdown, the worst
    /// cases and the HTML report. A shard runs only its part of the grid and returns null: join the shards with
    /// <c>fragility merge</c> and run the audit once more without a shard to write the score card.
    /// </summary>
    /// <param name="plan">From <see cref="Plan"/>.</param>
    /// <param name="progress">Receives "sweep" and "checks" updates.</param>
    /// <param name="cancellation">Stops between iterations; finished work is kept for the resume.</param>
    public ScoreCard? Run(AuditPlan plan, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var provenance = new SweepProvenance(_command, _modelPath);
        var sweep = new FragilitySweep(_model, plan.Inputs, plan.Sweep, _methods, provenance, plan.Shard);
        sweep.Run(plan.Directory, overwrite: false, progress, cancellation);
        if (plan.Shard is not null) return null;
        var checks = AuditChecks.Run(_model, plan, _methods, plan.Directory, progress, cancellation);
        var records = ResultsFile.Read(Path.Combine(plan.Directory, ResultsFile.FileName)).Records;
        var descriptions = plan.GridMethods.ToDictionary(m => m, m => plan.Sweep.MethodsFor(m, _methods).Evaluation.Description);
        var card = ScoreCardBuilder.Build(plan, records, checks, descriptions, new ScoreCardContext(
            Path.GetFileName(_modelPath) is { Length: > 0 } file ? file : _model.Metadata.Architecture, _model.Metadata.Architecture,
            _reference.Name, BetaMethod, sweep.K, _command));
        card = ScoreCardPictures.Draw(card, plan);
        ScoreCardFiles.Write(card, plan.Directory);
        return card;
    }

    /// <summary>The methods this model can be explained by: every method named, or of <see cref="AuditSettings.AllMethods"/>
    /// those whose map can be computed (a graph with an operator that has no propagation rule refuses DeepLIFT and LRP).</summary>
    private (IReadOnlyList<string> Methods, Dictionary<string, string> Skipped) SupportedMethods(TorchSharp.torch.Tensor one)
    {
        var names = _settings.Methods ?? AuditSettings.AllMethods;
        var kept = new List<string>();
        var skipped = new Dictionary<string, string>();
        foreach (string raw in names)
        {
            string name = raw.Trim().ToLowerInvariant();
            if (kept.Contains(name)) throw new FragilityException($"--methods lists '{name}' twice: give each method once.");
            var method = _methods(name, 2);   // unknown names fail here, naming the valid ones
            try
            {
                using var clean = CleanReference.Compute(_model, method, one);
                kept.Add(name);
            }
            catch (FragilityException e) when (_settings.Methods is null)
            {
                skipped[name] = e.Message;
            }
        }
        if (kept.Count == 0) throw new FragilityException("No method can explain this model: " + string.Join(" ", skipped.Select(s => $"{s.Key}: {s.Value}")));
        if (_settings.ShownMethod is string shown && !kept.Contains(shown.ToLowerInvariant()))
            throw new FragilityException($"--shown {shown} is not among the audited methods ({string.Join(", ", kept)}).");
        return (kept, skipped);
    }

    private SweepSettings SweepFor(IReadOnlyList<string> grid, int images, int iterations, int batch, int arrays) => new()
    {
        Methods = grid, Attacks = Attacks, Epsilons = _settings.Epsilons, Images = images, Iterations = iterations,
        Step = _settings.StepFor(iterations), K = _settings.K, Beta = _settings.Beta, Seed = _settings.Seed,
        Criterion = AttackCriterion.TopK, BatchSize = batch, ArrayImages = arrays,
    };

    private AuditPlan Make(string directory, ImageDataset data, IReadOnlyList<int> order, StoredPlan plan, bool reused, SweepShard? shard, int batch,
        int labelled, int correct)
    {
        var (choice, grid, skipped, calibration) = plan;
        if (choice.Images > order.Count)
            throw new FragilityException($"The audit in '{directory}' planned {choice.Images} images but only {order.Count} are usable now: the images changed; use another --out, or --overwrite.");
        var chosen = order.Take(choice.Images).Order().ToList();
        var (_, h, w) = data.ImageShape;
        // Arrays let the report draw galleries and worst cases; large images keep them for the first few only (disk).
        int arrays = h * w <= 64 * 64 ? chosen.Count : Math.Min(chosen.Count, 8);
        var sweep = SweepFor(grid, chosen.Count, choice.Iterations, batch, arrays);
        sweep.Validate(h, w);
        return new AuditPlan(directory, _settings, Select(data, chosen), sweep, grid, skipped, choice, reused ? 0 : calibration, order.Count, reused, shard)
        {
            Accuracy = labelled > 0 ? (double)correct / labelled : null, LabelledImages = labelled, ClassCount = _model.ClassCount,
        };
    }

    private static SelectedInputs Select(ImageDataset data, IReadOnlyList<int> positions) =>
        new(data.Subset(positions), positions, data.Name, data.Count);

    /// <summary>SHA-256 of what the plan depends on: the settings, the model and the images' identity.</summary>
    private string Fingerprint(ImageDataset data)
    {
        var key = new JsonObject
        {
            ["settings"] = JsonSerializer.SerializeToNode(_settings with { ShownMethod = null, Thresholds = VerdictThresholds.Default }, AuditChecks.Json),
            ["model"] = _model.Metadata.Architecture + "|" + _model.Metadata.Preprocessing,
            ["data"] = $"{data.Name}|{data.Count}|{string.Join("/", data.ItemNames?.Take(1000) ?? [])}",
        };
        return IO.RunManifest.Fingerprint(key, ["settings", "model", "data"]);
    }

    private static readonly JsonSerializerOptions PlanJson = new(StrictJson.Options)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
    };

    private static StoredPlan? ReadPlan(string path, string fingerprint, string directory)
    {
        if (!File.Exists(path)) return null;
        PlanFileContents stored;
        try { stored = JsonSerializer.Deserialize<PlanFileContents>(File.ReadAllText(path), PlanJson) ?? throw new JsonException("null"); }
        catch (JsonException e)
        {
            throw new FragilityException($"'{path}' is not an audit plan ({e.Message.Split('\n')[0]}): use another --out, or --overwrite to start over.");
        }
        if (stored.Fingerprint != fingerprint)
            throw new FragilityException($"'{directory}' holds an audit with other settings, model, images or budget: use another --out, or --overwrite to replace it.");
        if (stored.Methods.Count == 0 || stored.Images < 1 || stored.Iterations < 1)
            throw new FragilityException($"'{path}' plans no methods, images or iterations: use another --out, or --overwrite to start over.");
        return new StoredPlan(new AuditChoice(stored.Images, stored.Iterations, stored.EstimatedSeconds, stored.Reason), stored.Methods, stored.Skipped,
            stored.CalibrationSeconds);
    }

    /// <summary>Writes the plan unless another shard wrote it first, and returns the plan in the file (the first one wins,
    /// so every shard runs the same grid).</summary>
    private static StoredPlan WritePlan(string path, string fingerprint, StoredPlan plan, AuditCost cost, string directory)
    {
        var contents = new PlanFileContents(fingerprint, plan.Choice.Images, plan.Choice.Iterations, plan.Choice.EstimatedSeconds, plan.Choice.Reason,
            plan.CalibrationSeconds, plan.Grid, plan.Skipped, cost);
        string temp = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(contents, PlanJson) + "\n");
        try { File.Move(temp, path, overwrite: false); }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return ReadPlan(path, fingerprint, directory)!;
        }
        return plan;
    }

    /// <summary>audit.json: the plan, the fingerprint of what it depends on, and the cost model it was chosen from.</summary>
    private sealed record PlanFileContents(string Fingerprint, int Images, int Iterations, double EstimatedSeconds, string Reason, double CalibrationSeconds,
        IReadOnlyList<string> Methods, IReadOnlyDictionary<string, string> Skipped, AuditCost Cost);

    /// <summary>The plan as audit.json keeps it.</summary>
    private sealed record StoredPlan(AuditChoice Choice, IReadOnlyList<string> Grid, IReadOnlyDictionary<string, string> Skipped, double CalibrationSeconds);

    /// <summary>Removes an earlier audit's files (plan, checks, score card, pictures) and its sweep's.</summary>
    private static void Clear(string directory)
    {
        foreach (string name in new[] { PlanFile, AuditChecks.FileName, ScoreCardFiles.Json, ScoreCardFiles.Markdown, ScoreCardFiles.Report })
            File.Delete(Path.Combine(directory, name));
        string pictures = Path.Combine(directory, ScoreCardPictures.Folder);
        if (Directory.Exists(pictures)) Directory.Delete(pictures, recursive: true);
        SweepFiles.Delete(directory, withShards: true);
    }
}
