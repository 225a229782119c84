using Fragility.Attribution;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Metrics;
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

    /// <summary>The row name of a model file: its file name without extension.</summary>
    public static string ModelName(string path) => Path.GetFileNameWithoutExtension(path);

    /// <summary>Runs (or resumes) the evaluation into <paramref name="directory"/> and writes every output file.</summary>
    /// <param name="directory">Output folder (created if missing).</param>
    /// <param name="overwrite">Delete an earlier run's rows instead of resuming (needed when the settings changed).</param>
    /// <param name="progress">Receives "defend" updates: attacks run of all attacks.</param>
    /// <param name="cancellation">Stops between attacks; finished rows are kept.</param>
    public DefenceOutcome Run(string directory, bool overwrite = false, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(directory);
        progress?.Report(new ProgressUpdate("defend", 0, 1, "selecting images every model classifies correctly"));
        var plan = DefencePlan.Make(_modelPaths, _test, _settings, _defences, ExplanationDefenceModels);
        var store = new DefenceRowStore(directory);
        store.Prepare(plan.Manifest(_command), overwrite);

        using var selected = _test.Subset(plan.Indices);
        var run = new RunState(plan, store, new DefenceProgress(plan, progress), cancellation);
        for (int m = 0; m < _modelPaths.Count; m++) EvaluateModel(run, m, selected.Images);

        DefenceOutputs.Write(directory, plan, run.Results, run.Notes);
        return new DefenceOutcome(directory, run.Results.Select(r => r.Row).ToList(), plan.Indices, run.RowsRun, run.RowsResumed, run.Notes);
    }

    /// <summary>Every row of model <paramref name="m"/>, method by method with "none" first, computed or resumed.</summary>
    private static void EvaluateModel(RunState run, int m, Tensor inputs)
    {
        var plan = run.Plan;
        var settings = plan.Settings;
        string path = plan.ModelPaths[m];
        string modelName = ModelName(path);
        using var model = ModelStore.Load(path);
        using var randomised = ModelStore.Load(path);
        ParameterRandomisation.Randomise(randomised, settings.Seed + 1000L * m + 7);
        var evaluator = new DefenceRowEvaluator(settings, model, randomised, inputs, plan.Indices, plan.K);
        var factory = SweepMethods.Create(model, settings.Reference, settings.IgRule);
        double? extraEpoch = null;   // measured once per model, only when one of its rows is computed
        double ExtraEpoch()
        {
            double extra = TrainingCost.ExtraSecondsPerEpoch(path, plan.Metadata[m], plan.Test, out string? why);
            if (why is not null) run.Notes.Add($"Extra training s/epoch of {modelName} is not measured: {why}.");
            return extra;
        }
        foreach (string methodName in settings.Methods)
        {
            var baseMethod = factory(methodName, settings.IgSteps);
            Dictionary<string, Tensor>? undefended = null;   // the "none" row's perturbations: the transfer attack of the others
            double undefendedMs = double.NaN;
            try
            {
                foreach (var defence in plan.Defences)
                {
                    if (!plan.Includes(m, defence)) continue;
                    var defended = defence.Apply(model, baseMethod);
                    string kind = DefenceProgress.Kind(methodName, defence);
                    if (defended is null)
                    {
                        run.Progress.Skipped(kind);
                        run.Notes.Add($"{defence.Name} does not apply to {methodName}; no row for {modelName} · {methodName} + {defence.Name}.");
                        continue;
                    }
                    string key = DefenceRowStore.Key(modelName, methodName, defence.Name);
                    DefenceRowResult result;
                    if (run.Store.Load(key, withAdversarial: defence.IsNone) is { } cached)
                    {
                        result = cached.Result;
                        if (defence.IsNone) undefended = cached.Adversarial;
                        run.RowsResumed++;
                        run.Progress.Resumed(key, kind);
                    }
                    else
                    {
                        var template = plan.Template(m, methodName, defence, defended, () => extraEpoch ??= ExtraEpoch());
                        var adversarial = defence.IsNone ? new Dictionary<string, Tensor>() : null;
                        result = run.Progress.Computed(key, kind, attackDone => evaluator.Evaluate(template, defended, undefended, adversarial, attackDone, run.Cancellation));
                        run.Store.Save(key, result, adversarial);
                        if (defence.IsNone) undefended = adversarial;
                        run.RowsRun++;
                    }
                    if (defence.IsNone) undefendedMs = result.Row.MillisecondsPerMap;
                    run.Results.Add(result with { Row = result.Row with { ExtraMillisecondsPerMap = result.Row.MillisecondsPerMap - undefendedMs } });
                }
            }
            finally
            {
                if (undefended is not null) foreach (var t in undefended.Values) t.Dispose();
            }
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
