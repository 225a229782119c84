using Fragility.Attribution;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Metrics;
using Fragility.Experiments.Sharding;
using Fragility.Models;
using Fragility.Runtime;
using static TorchSharp.torch;

namespace Fragility.Defences;

/// <summary>
/// Evaluates defences of explanations (issue 10) on the same attacked images for every model x method x
/// explanation-side defence, and writes the defence table, the robustness curve, figures and a report section.
/// <para>Robustness: the top-k attack at every epsilon of the curve, and the mass-center and random-sign attacks at the
/// table's epsilon (Algorithm 1 of Ghorbani et al.; the top-k attack keeps the iterate with the lowest top-k
/// intersection, the mass-center attack the one with the largest centre shift). Every attack is ADAPTIVE: it
/// differentiates the defended map itself (beta-smoothing: the smoothed map; SmoothGrad: the average over the same
/// noise samples; jitter: all shifts; IG variants: their own path), while labels and criteria always come from the
/// original ReLU network. For a row with an explanation-side defence the table also gives the NON-ADAPTIVE
/// (transfer) result: the perturbations the paper's attack found against the undefended map, evaluated on the
/// defended map. Training-side defences are attacked through the trained model as it is.</para>
/// <para>Faithfulness, next to robustness: deletion and insertion AUC (<see cref="DeletionInsertion"/>) and the
/// model-parameter randomisation check (<see cref="ParameterRandomisation"/>), on the clean images.</para>
/// <para>Images: the first N test images, in data-set order, that EVERY model classifies correctly, so all rows see
/// the same inputs; maps explain the (correct) predicted label. Rows are saved as they finish (DIR/rows); running
/// the same settings again on the same folder resumes, other settings are refused.</para>
/// </summary>
public sealed class DefenceEvaluation
{
    /// <summary>The defence table as CSV.</summary>
    public const string TableCsv = "defences.csv";

    /// <summary>The defence table as Markdown.</summary>
    public const string TableMarkdown = "defences.md";

    /// <summary>Top-k intersection after the top-k attack against epsilon, per row.</summary>
    public const string CurveCsv = "eps_curve.csv";

    /// <summary>Every image's metrics per row and attack.</summary>
    public const string PerImageCsv = "per_image.csv";

    /// <summary>Accuracy against robustness (the frontier).</summary>
    public const string FrontierFigure = "frontier.png";

    /// <summary>Faithfulness against robustness.</summary>
    public const string FaithfulnessFigure = "faithfulness.png";

    /// <summary>Robustness against epsilon.</summary>
    public const string CurveFigure = "eps_curve.png";

    /// <summary>Settings, models, images and the exact command.</summary>
    public const string RunFile = "run.json";

    /// <summary>How the table was made, in words (attacks, images, metrics).</summary>
    public const string NotesFile = "notes.txt";

    /// <summary>Finished rows (JSON) and the undefended rows' perturbed images (.npy), for resuming.</summary>
    public const string RowsFolder = "rows";

    private readonly IReadOnlyList<string> _modelPaths;
    private readonly ImageDataset _test;
    private readonly DefenceSettings _settings;
    private readonly string _command;
    private readonly IReadOnlyList<ExplanationDefence> _defences;

    /// <summary>Prepares an evaluation.</summary>
    /// <param name="modelPaths">Model files (.safetensors from <c>fragility train</c>), e.g. one per training regulariser.</param>
    /// <param name="test">The labelled test split the models were made for (accuracy is measured on all of it).</param>
    /// <param name="settings">Methods, defences, attacks and metrics.</param>
    /// <param name="command">The command line, recorded in run.json.</param>
    public DefenceEvaluation(IReadOnlyList<string> modelPaths, ImageDataset test, DefenceSettings settings, string command = "")
    {
        if (modelPaths.Count == 0) throw new FragilityException("Give at least one model (--model FILE).");
        var names = modelPaths.Select(ModelName).ToList();
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new FragilityException($"Two models are both named '{duplicate.Key}' (the file name without extension names a row); rename one of the files.");
        var (c, h, w) = test.ImageShape;
        settings.Validate(h, w);
        _modelPaths = modelPaths;
        _test = test;
        _settings = settings;
        _command = command;
        var defences = settings.Defences.Select(d => ExplanationDefence.Parse(d, settings.SmoothGradSamples, settings.SmoothGradSigma255, settings.Seed, settings.IgRule)).ToList();
        if (!defences.Any(d => d.IsNone)) defences.Insert(0, ExplanationDefence.Parse("none"));
        // "none" first: its perturbations are the non-adaptive attack of the other rows.
        _defences = defences.OrderBy(d => d.IsNone ? 0 : 1).GroupBy(d => d.Name).Select(g => g.First()).ToList();
        foreach (string m in settings.Methods) AttributionMethods.Create(m);   // unknown names fail before any work
    }

    /// <summary>Models that get the explanation-side defences (by name, the file name without extension); null for all.
    /// The others get only the undefended row.</summary>
    public IReadOnlyCollection<string>? ExplanationDefenceModels { get; init; }

    /// <summary>Compute only this shard's model x method pairs and write no tables (<c>defend --shard</c>, or a worker of
    /// <c>--jobs</c>); the run without a shard then reads every row back and writes the outputs. Null: everything.</summary>
    public SweepShard? Shard { get; init; }

    /// <summary>Deletes an earlier run's rows and manifest in <paramref name="directory"/> (what --overwrite replaces),
    /// before workers of <c>--jobs</c> start on it.</summary>
    public static void DeleteRun(string directory)
    {
        string rows = Path.Combine(directory, RowsFolder);
        if (Directory.Exists(rows)) Directory.Delete(rows, recursive: true);
        File.Delete(Path.Combine(directory, RunFile));
    }

    /// <summary>The row name of a model file: its file name without extension.</summary>
    public static string ModelName(string path) => Path.GetFileNameWithoutExtension(path);

    /// <summary>Runs (or resumes) the evaluation into <paramref name="directory"/> and writes every output file.</summary>
    /// <param name="directory">Output folder (created if missing).</param>
    /// <param name="overwrite">Delete an earlier run's rows instead of resuming (needed when the settings changed).</param>
    /// <param name="progress">Receives "defend" updates: attacks run of all attacks.</param>
    /// <param name="cancellation">Stops between attacks; finished rows are kept.</param>
    public DefenceOutcome Run(string directory, bool overwrite = false, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        using var folder = IO.FolderLock.Take(directory, Shard is null ? "defend" : $"defend.{Shard.Tag}", "defence run");
        progress?.Report(new ProgressUpdate("defend", 0, 1, "selecting images every model classifies correctly"));
        var plan = DefencePlan.Make(_modelPaths, _test, _settings, _defences, ExplanationDefenceModels, Shard);
        var store = new DefenceRowStore(directory);
        store.Prepare(plan.Manifest(_command), overwrite);

        using var selected = _test.Subset(plan.Indices);
        var run = new RunState(plan, store, new DefenceProgress(plan, progress), cancellation);
        for (int m = 0; m < _modelPaths.Count; m++) EvaluateModel(run, m, selected.Images);

        if (Shard is null) DefenceOutputs.Write(directory, plan, run.Results, run.Notes);
        return new DefenceOutcome(directory, run.Results.Select(r => r.Row).ToList(), plan.Indices, run.RowsRun, run.RowsResumed, run.Notes);
    }

    /// <summary>Every row of model <paramref name="m"/>, method by method.</summary>
    private static void EvaluateModel(RunState run, int m, Tensor inputs)
    {
        var settings = run.Plan.Settings;
        if (!settings.Methods.Any(method => run.Plan.Owns(m, method))) return;
        string path = run.Plan.ModelPaths[m];
        using var model = ModelStore.Load(path);
        using var randomised = ModelStore.Load(path);
        ParameterRandomisation.Randomise(randomised, settings.Seed + 1000L * m + 7);
        var rows = new ModelRows(run, m, model, new DefenceRowEvaluator(settings, model, randomised, inputs, run.Plan.Indices, run.Plan.K));
        var factory = SweepMethods.Create(model, settings.Reference, settings.IgRule);
        foreach (string method in settings.Methods.Where(method => run.Plan.Owns(m, method))) EvaluateMethod(run, rows, method, factory(method, settings.IgSteps));
    }

    /// <summary>The rows of one model and method, "none" first: its perturbations are the transfer attack of the others
    /// and its time per map the baseline of their extra time.</summary>
    private static void EvaluateMethod(RunState run, ModelRows rows, string method, IAttributionMethod baseMethod)
    {
        Dictionary<string, Tensor>? undefended = null;
        double undefendedMs = double.NaN;
        try
        {
            foreach (var defence in run.Plan.Defences.Where(d => run.Plan.Includes(rows.Index, d)))
            {
                var defended = defence.Apply(rows.Model, baseMethod);
                if (defended is null)
                {
                    run.Progress.Skipped(DefenceProgress.Kind(method, defence));
                    run.Notes.Add($"{defence.Name} does not apply to {method}; no row for {rows.Name} · {method} + {defence.Name}.");
                    continue;
                }
                var result = Row(run, rows, method, defence, defended, ref undefended);
                if (defence.IsNone) undefendedMs = result.Row.MillisecondsPerMap;
                run.Results.Add(result with { Row = result.Row with { ExtraMillisecondsPerMap = result.Row.MillisecondsPerMap - undefendedMs } });
            }
        }
        finally
        {
            if (undefended is not null) foreach (var t in undefended.Values) t.Dispose();
        }
    }

    /// <summary>One row: read back when an earlier run finished it, else computed and saved. For the undefended row
    /// <paramref name="undefended"/> receives its perturbations (the caller disposes them).</summary>
    private static DefenceRowResult Row(RunState run, ModelRows rows, string method, ExplanationDefence defence, IAttributionMethod defended,
        ref Dictionary<string, Tensor>? undefended)
    {
        string key = DefenceRowStore.Key(rows.Name, method, defence.Name);
        string kind = DefenceProgress.Kind(method, defence);
        if (run.Store.Load(key, withAdversarial: defence.IsNone) is { } cached)
        {
            if (defence.IsNone) undefended = cached.Adversarial;
            run.RowsResumed++;
            run.Progress.Resumed(key, kind);
            return cached.Result;
        }
        var template = run.Plan.Template(rows.Index, method, defence, defended, rows.ExtraSecondsPerEpoch);
        var adversarial = defence.IsNone ? new Dictionary<string, Tensor>() : null;
        var transfer = undefended;
        var result = run.Progress.Computed(key, kind, attackDone => rows.Evaluator.Evaluate(template, defended, transfer, adversarial, attackDone, run.Cancellation));
        run.Store.Save(key, result, adversarial);
        if (defence.IsNone) undefended = adversarial;
        run.RowsRun++;
        return result;
    }

    /// <summary>One model's rows: the model, its evaluator and its training cost.</summary>
    private sealed class ModelRows(RunState run, int index, Classifier model, DefenceRowEvaluator evaluator)
    {
        private double? _extraSecondsPerEpoch;

        public int Index { get; } = index;
        public string Name { get; } = ModelName(run.Plan.ModelPaths[index]);
        public Classifier Model { get; } = model;
        public DefenceRowEvaluator Evaluator { get; } = evaluator;

        /// <summary>Measured once per model, and only when one of its rows is computed (it trains a copy for a few steps);
        /// when it cannot be measured the reason goes to the notes, which explain the table's empty cell.</summary>
        public double ExtraSecondsPerEpoch() => _extraSecondsPerEpoch ??= Measure();

        private double Measure()
        {
            double extra = TrainingCost.ExtraSecondsPerEpoch(run.Plan.ModelPaths[Index], run.Plan.Metadata[Index], run.Plan.Test, out string? why);
            if (why is not null) run.Notes.Add($"Extra training s/epoch of {Name} is not measured: {why}.");
            return extra;
        }
    }

    /// <summary>What one run collects while it goes through the models.</summary>
    private sealed class RunState(DefencePlan plan, DefenceRowStore store, DefenceProgress progress, CancellationToken cancellation)
    {
        public DefencePlan Plan { get; } = plan;
        public DefenceRowStore Store { get; } = store;
        public DefenceProgress Progress { get; } = progress;
        public CancellationToken Cancellation { get; } = cancellation;
        public List<DefenceRowResult> Results { get; } = [];
        public List<string> Notes { get; } = [];
        public int RowsRun { get; set; }
        public int RowsResumed { get; set; }
    }
}
