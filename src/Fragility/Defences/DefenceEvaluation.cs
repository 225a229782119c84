using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.IO;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;
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

    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

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
        string rowsDir = Path.Combine(directory, RowsFolder);
        var notes = new List<string>();

        progress?.Report(new ProgressUpdate("defend", 0, 1, "selecting images every model classifies correctly"));
        var (indices, accuracy, metadata) = SelectImages();
        var manifest = Manifest(indices);
        PrepareRunFile(directory, rowsDir, manifest, overwrite);

        using var selected = _test.Subset(indices);
        var inputs = selected.Images;
        int k = _settings.K ?? TopKIntersection.DefaultK((int)inputs.shape[2], (int)inputs.shape[3]);

        var plan = new List<(int Model, string Method, ExplanationDefence Defence)>();
        for (int m = 0; m < _modelPaths.Count; m++)
            foreach (string method in _settings.Methods)
                foreach (var d in _defences)
                    if (d.IsNone || ExplanationDefenceModels is null || ExplanationDefenceModels.Contains(ModelName(_modelPaths[m])))
                        plan.Add((m, method, d));
        int batches = (indices.Count + _settings.BatchSize - 1) / _settings.BatchSize;
        int attacksPerRow = (_settings.CurveEpsilons.Count + 2) * batches;
        long total = (long)plan.Count * attacksPerRow, done = 0, resumedUnits = 0;
        // Rows differ in cost by two orders of magnitude (SmoothGrad's samples, IG's path points): the time left is
        // weighted by the measured cost of each kind "method/defence".
        static string Kind(string method, ExplanationDefence defence) => $"{method}/{defence.Name}";
        var remaining = plan.GroupBy(p => Kind(p.Method, p.Defence)).ToDictionary(g => g.Key, g => (long)g.Count() * attacksPerRow);
        ProgressUpdate Update(string status, string? kind) =>
            new("defend", done, total, status, Resumed: resumedUnits, Kind: kind, RemainingByKind: new Dictionary<string, long>(remaining));

        var rows = new List<DefenceRow>();
        var perImage = new List<(DefenceRow Row, ImageResult Result)>();
        int run = 0, resumed = 0;
        for (int m = 0; m < _modelPaths.Count; m++)
        {
            string path = _modelPaths[m];
            string modelName = ModelName(path);
            using var model = ModelStore.Load(path);
            using var randomised = ModelStore.Load(path);
            ParameterRandomisation.Randomise(randomised, _settings.Seed + 1000L * m + 7);
            var factory = SweepMethods.Create(model, _settings.Reference, _settings.IgRule);
            double? extraEpoch = null;   // measured once per model, only when one of its rows is computed
            foreach (string methodName in _settings.Methods)
            {
                var baseMethod = factory(methodName, _settings.IgSteps);
                Dictionary<string, Tensor>? undefended = null;
                double undefendedMs = double.NaN;
                try
                {
                    foreach (var defence in _defences)
                    {
                        if (!plan.Contains((m, methodName, defence))) continue;
                        var defended = defence.Apply(model, baseMethod);
                        string kind = Kind(methodName, defence);
                        if (defended is null)
                        {
                            remaining[kind] -= attacksPerRow;
                            notes.Add($"{defence.Name} does not apply to {methodName}; no row for {modelName} · {methodName} + {defence.Name}.");
                            done += attacksPerRow;
                            resumedUnits += attacksPerRow;   // skipped, not computed: not part of the rate
                            continue;
                        }
                        string key = RowKey(modelName, methodName, defence.Name);
                        var cached = defence.IsNone ? LoadRow(rowsDir, key, withAdversarial: true) : LoadRow(rowsDir, key, withAdversarial: false);
                        RowRecord record;
                        if (cached is not null)
                        {
                            record = cached.Value.Record;
                            if (defence.IsNone) undefended = cached.Value.Adversarial;
                            resumed++;
                            done += attacksPerRow;
                            resumedUnits += attacksPerRow;
                            remaining[kind] -= attacksPerRow;
                            progress?.Report(Update($"{key}: resumed", null));
                        }
                        else
                        {
                            var template = new DefenceRow
                            {
                                Model = modelName, Method = methodName, Defence = defence.Name, MethodDescription = defended.Description,
                                Attack = defence.AdaptiveAttack, Images = indices.Count, K = k, Epsilon = _settings.TableEpsilon,
                                Accuracy = accuracy[m],
                                Regularizer = metadata[m].Training?.GetValueOrDefault("regularizer") ?? "none",
                                Lambda = metadata[m].Training?.GetValueOrDefault("lambda") ?? "0",
                                SecondsPerEpoch = SecondsPerEpoch(metadata[m]),
                                ExtraSecondsPerEpoch = extraEpoch ??= ExtraSecondsPerEpoch(path, metadata[m], modelName, notes),
                            };
                            var adversarial = defence.IsNone ? new Dictionary<string, Tensor>() : null;
                            long before = done, left = remaining[kind];
                            progress?.Report(Update(key, kind));
                            record = EvaluateRow(template, model, randomised, defended, inputs, indices, k, undefended, adversarial,
                                () => { done++; remaining[kind]--; progress?.Report(Update(key, kind)); }, cancellation);
                            done = before + attacksPerRow;
                            remaining[kind] = left - attacksPerRow;
                            SaveRow(rowsDir, key, record, adversarial);
                            if (defence.IsNone) undefended = adversarial;
                            run++;
                        }
                        if (defence.IsNone) undefendedMs = record.Row.MillisecondsPerMap;
                        var row = record.Row with { ExtraMillisecondsPerMap = record.Row.MillisecondsPerMap - undefendedMs };
                        rows.Add(row);
                        perImage.AddRange(record.Images.Select(r => (row, r)));
                    }
                }
                finally
                {
                    if (undefended is not null) foreach (var t in undefended.Values) t.Dispose();
                }
            }
        }

        DefenceTable.WriteCsv(rows, Path.Combine(directory, TableCsv));
        DefenceTable.WriteMarkdown(rows, Path.Combine(directory, TableMarkdown));
        DefenceTable.WriteCurve(rows, Path.Combine(directory, CurveCsv));
        DefenceTable.WritePerImage(perImage, Path.Combine(directory, PerImageCsv));
        File.WriteAllText(Path.Combine(directory, NotesFile), Notes(indices.Count, k, notes));
        if (rows.Count > 0)
        {
            DefenceFigures.SaveFrontier(rows, Path.Combine(directory, FrontierFigure));
            DefenceFigures.SaveFaithfulness(rows, Path.Combine(directory, FaithfulnessFigure));
            DefenceFigures.SaveCurve(rows, Path.Combine(directory, CurveFigure));
        }
        DefencesSection.WriteDescription(directory);
        return new DefenceOutcome(directory, rows, indices, run, resumed, notes);
    }

    private RowRecord EvaluateRow(DefenceRow template, Classifier model, Classifier randomised, IAttributionMethod defended, Tensor inputs,
        IReadOnlyList<int> indices, int k, Dictionary<string, Tensor>? undefended, Dictionary<string, Tensor>? keepAdversarial,
        Action attackDone, CancellationToken cancellation)
    {
        var results = new List<ImageResult>();
        double table = _settings.TableEpsilon;
        var curveEps = _settings.CurveEpsilons;
        var deletionBaseline = References.Create(model, _settings.DeletionBaseline);
        var insertionBaseline = References.Create(model, _settings.InsertionBaseline);
        double mapMilliseconds = 0;
        var adversarialParts = new Dictionary<string, List<Tensor>> { [AttackNames.TopK] = [], [AttackNames.MassCenter] = [] };
        try
        {
            for (int start = 0; start < indices.Count; start += _settings.BatchSize)
            {
                int count = Math.Min(_settings.BatchSize, indices.Count - start);
                var batchIndices = indices.Skip(start).Take(count).ToArray();
                using var batch = inputs.narrow(0, start, count);
                using var clean = CleanReference.Compute(model, defended, batch);
                mapMilliseconds += TimeMaps(model, defended, clean);
                // The adaptive attack differentiates the defended map itself; SmoothGrad's noise is fixed to the very
                // samples its evaluation draws for this batch (same seed, same shape).
                var gradientMethod = defended is SmoothGrad sg ? sg.WithNoise(sg.DrawNoise(batch)) : defended;
                try
                {
                    foreach (double eps in curveEps)
                    {
                        cancellation.ThrowIfCancellationRequested();
                        var attack = FragilityAttack.TopK(model, defended, _settings.Attack(eps, AttackCriterion.TopK), gradientMethod);
                        using var result = attack.Run(clean, batchIndices, cancellation);
                        Record(results, batchIndices, AttackNames.TopK, eps, clean, result, k);
                        if (eps == table) adversarialParts[AttackNames.TopK].Add(result.Perturbed.detach().clone());
                        attackDone();
                    }
                    cancellation.ThrowIfCancellationRequested();
                    var mass = FragilityAttack.MassCenter(model, defended, _settings.Attack(table, AttackCriterion.CenterShift), gradientMethod);
                    using (var result = mass.Run(clean, batchIndices, cancellation))
                    {
                        Record(results, batchIndices, AttackNames.MassCenter, table, clean, result, k);
                        adversarialParts[AttackNames.MassCenter].Add(result.Perturbed.detach().clone());
                    }
                    attackDone();
                    var random = new RandomSignPerturbation(model, defended, _settings.Attack(table, AttackCriterion.TopK));
                    using (var result = random.Run(clean, batchIndices, cancellation)) Record(results, batchIndices, AttackNames.Random, table, clean, result, k);
                    attackDone();
                }
                finally
                {
                    if (!ReferenceEquals(gradientMethod, defended) && gradientMethod is SmoothGrad fixedNoise) fixedNoise.FixedNoise?.Dispose();
                }

                if (undefended is not null)
                    foreach (var (attack, images) in undefended)
                    {
                        using var scope = torch.NewDisposeScope();
                        using var relu = model.UseRelu();
                        var maps = SaliencyMaps.FromAttribution(defended.Attribute(model, images.narrow(0, start, count), clean.LabelTensor)).detach();
                        var (topk, spearman, shift) = MapPairs.All(clean.Maps, maps, k);
                        for (int i = 0; i < count; i++)
                            results.Add(new ImageResult(batchIndices[i], "transfer_" + attack, table, topk[i], spearman[i], shift[i], false));
                    }

                using (var scope = torch.NewDisposeScope())
                {
                    using var relu = model.UseRelu();
                    var (deletion, insertion) = DeletionInsertion.Auc(model, clean.Inputs, clean.Maps, clean.Labels, deletionBaseline, insertionBaseline, _settings.FaithfulnessSteps);
                    using var randomRelu = randomised.UseRelu();
                    var randomMaps = SaliencyMaps.FromAttribution(defended.Attribute(randomised, clean.Inputs, clean.LabelTensor)).detach();
                    var similarity = ParameterRandomisation.Similarity(clean.Maps, randomMaps);
                    for (int i = 0; i < count; i++)
                        results.Add(new ImageResult(batchIndices[i], "clean", 0, 1, 1, 0, false, deletion[i], insertion[i], similarity[i]));
                }
            }
            if (keepAdversarial is not null)
                foreach (var (attack, parts) in adversarialParts) keepAdversarial[attack] = torch.cat(parts, 0);
        }
        finally
        {
            foreach (var t in adversarialParts.Values.SelectMany(p => p)) t.Dispose();
        }
        return new RowRecord(Aggregate(template, results, curveEps, mapMilliseconds / indices.Count), results);
    }

    /// <summary>Milliseconds to compute the batch's maps once more (the clean reference has warmed every code path up).</summary>
    private static double TimeMaps(Classifier model, IAttributionMethod method, CleanReference clean)
    {
        using var scope = torch.NewDisposeScope();
        using var relu = model.UseRelu();
        var clock = Stopwatch.StartNew();
        method.Attribute(model, clean.Inputs, clean.LabelTensor);
        return clock.Elapsed.TotalMilliseconds;
    }

    private static void Record(List<ImageResult> results, int[] images, string attack, double eps, CleanReference clean, AttackBatchResult result, int k)
    {
        var (topk, spearman, shift) = MapPairs.All(clean.Maps, result.PerturbedMaps, k);
        for (int i = 0; i < images.Length; i++)
            results.Add(new ImageResult(images[i], attack, eps, topk[i], spearman[i], shift[i], result.Outcomes[i].Failed));
    }

    private DefenceRow Aggregate(DefenceRow template, List<ImageResult> results, IReadOnlyList<double> curveEps, double msPerMap)
    {
        double table = _settings.TableEpsilon;
        IEnumerable<ImageResult> Of(string attack, double eps) => results.Where(r => r.Attack == attack && r.Epsilon == eps);
        double Mean(IEnumerable<double> values) { var a = values.ToArray(); return a.Length == 0 ? double.NaN : a.Average(); }
        var topk = Of(AttackNames.TopK, table).ToArray();
        var mass = Of(AttackNames.MassCenter, table).ToArray();
        var clean = results.Where(r => r.Attack == "clean").ToArray();
        return template with
        {
            TopKAfterTopK = Mean(topk.Select(r => r.TopK)), SpearmanAfterTopK = Mean(topk.Select(r => r.Spearman)), ShiftAfterTopK = Mean(topk.Select(r => r.CenterShift)),
            TopKAfterMassCenter = Mean(mass.Select(r => r.TopK)), SpearmanAfterMassCenter = Mean(mass.Select(r => r.Spearman)), ShiftAfterMassCenter = Mean(mass.Select(r => r.CenterShift)),
            LabelKept = Mean(topk.Concat(mass).Select(r => r.Failed ? 0.0 : 1.0)),
            TopKAfterRandom = Mean(Of(AttackNames.Random, table).Select(r => r.TopK)),
            TopKAfterTransferTopK = Mean(Of("transfer_" + AttackNames.TopK, table).Select(r => r.TopK)),
            ShiftAfterTransferMassCenter = Mean(Of("transfer_" + AttackNames.MassCenter, table).Select(r => r.CenterShift)),
            DeletionAuc = Mean(clean.Select(r => r.Deletion)), InsertionAuc = Mean(clean.Select(r => r.Insertion)),
            RandomisationSpearman = Mean(clean.Select(r => r.Randomisation)),
            MillisecondsPerMap = msPerMap,
            TopKCurve = curveEps.ToDictionary(e => e, e => Mean(Of(AttackNames.TopK, e).Select(r => r.TopK))),
        };
    }

    /// <summary>The first N test images every model classifies correctly, each model's accuracy on the whole split, and
    /// each model's metadata.</summary>
    private (IReadOnlyList<int> Indices, double[] Accuracy, ModelMetadata[] Metadata) SelectImages()
    {
        int n = _test.Count;
        var allCorrect = Enumerable.Repeat(true, n).ToArray();
        var accuracy = new double[_modelPaths.Count];
        var metadata = new ModelMetadata[_modelPaths.Count];
        for (int m = 0; m < _modelPaths.Count; m++)
        {
            using var model = ModelStore.Load(_modelPaths[m]);
            var p = model.Metadata.Preprocessing;
            var (c, h, w) = _test.ImageShape;
            if (c != p.Channels || h != p.Height || w != p.Width)
                throw new FragilityException($"Model '{_modelPaths[m]}' expects {p.Channels}x{p.Height}x{p.Width} images but the test set has {c}x{h}x{w}. Use models trained on the same data set.");
            metadata[m] = model.Metadata;
            int correct = 0, labelled = 0;
            using var relu = model.UseRelu();
            for (int start = 0; start < n; start += 500)
            {
                int len = Math.Min(500, n - start);
                using var scope = torch.NewDisposeScope();
                var (labels, _) = model.Predict(_test.Images.narrow(0, start, len));
                for (int i = 0; i < len; i++)
                {
                    long truth = _test.Labels[start + i];
                    bool ok = truth >= 0 && labels[i] == truth;
                    if (truth >= 0) labelled++;
                    if (ok) correct++;
                    allCorrect[start + i] &= ok;
                }
            }
            if (labelled == 0) throw new FragilityException("The test set has no labels; use a labelled test split.");
            accuracy[m] = (double)correct / labelled;
        }
        var indices = Enumerable.Range(0, n).Where(i => allCorrect[i]).Take(_settings.Images).ToArray();
        if (indices.Length < _settings.Images)
            throw new FragilityException($"Only {indices.Length} test images are classified correctly by every model, fewer than --images {_settings.Images}: ask for fewer images or drop the weakest model.");
        return (indices, accuracy, metadata);
    }

    private static double SecondsPerEpoch(ModelMetadata metadata)
    {
        var t = metadata.Training;
        if (t is null) return double.NaN;
        if (t.TryGetValue("seconds_per_epoch", out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        if (t.TryGetValue("seconds", out var all) && t.TryGetValue("epochs", out var e)
            && double.TryParse(all, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            && int.TryParse(e, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epochs) && epochs > 0) return seconds / epochs;
        return double.NaN;
    }

    /// <summary>The measured extra training seconds per epoch of the model's regulariser (<see cref="TrainingCost"/>):
    /// 0 without one, NaN when it cannot be rebuilt or the epoch length is unknown, with the reason added to
    /// <paramref name="notes"/> (the table's empty cell is explained in notes.txt).</summary>
    private double ExtraSecondsPerEpoch(string path, ModelMetadata metadata, string modelName, List<string> notes)
    {
        var t = metadata.Training;
        if ((t?.GetValueOrDefault("regularizer") ?? "none") == "none") return 0;
        var regularizer = TrainingCost.FromMetadata(metadata, out string? why);
        if (regularizer is null || t is null
            || !int.TryParse(t.GetValueOrDefault("train_images"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int images)
            || !int.TryParse(t.GetValueOrDefault("batch_size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int batch) || batch < 1)
        {
            why ??= "its metadata lacks train_images or batch_size, so the steps per epoch are unknown";
            notes.Add($"Extra training s/epoch of {modelName} is not measured: {why}.");
            return double.NaN;
        }
        using var copy = ModelStore.Load(path);
        int n = Math.Min(batch, _test.Count);
        using var x = _test.Images.narrow(0, 0, n);
        using var y = torch.tensor(_test.Labels.Take(n).Select(l => Math.Max(0, l)).ToArray());
        var (plain, regularised) = TrainingCost.StepSeconds(copy, regularizer, x, y);
        return (regularised - plain) * Math.Ceiling((double)images / batch);
    }

    private JsonObject Manifest(IReadOnlyList<int> indices)
    {
        var settings = JsonSerializer.SerializeToNode(_settings with { Defences = _defences.Select(d => d.Name).ToArray() }, Json)!.AsObject();
        var models = new JsonArray(_modelPaths.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = ModelName(p), ["path"] = Path.GetFullPath(p), ["sha256"] = Sha256(p),
        }).ToArray());
        var key = new JsonObject
        {
            ["settings"] = settings, ["models"] = new JsonArray(_modelPaths.Select(p => (JsonNode)JsonValue.Create(Sha256(p))).ToArray()),
            ["explanation_defence_models"] = ExplanationDefenceModels is null ? null : new JsonArray(ExplanationDefenceModels.Order(StringComparer.Ordinal).Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
            ["images"] = new JsonArray(indices.Select(i => (JsonNode)JsonValue.Create(i)).ToArray()), ["dataset"] = _test.Name,
        };
        string fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToJsonString())))[..16];
        return new JsonObject
        {
            ["fingerprint"] = fingerprint, ["command"] = _command, ["dataset"] = _test.Name, ["models"] = models,
            ["settings"] = settings.DeepClone(), ["explanation_defence_models"] = key["explanation_defence_models"]?.DeepClone(),
            ["images"] = key["images"]!.DeepClone(), ["created_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
    }

    private static void PrepareRunFile(string directory, string rowsDir, JsonObject manifest, bool overwrite)
    {
        string runPath = Path.Combine(directory, RunFile);
        if (File.Exists(runPath) && !overwrite)
        {
            string? previous = null;
            try { previous = JsonNode.Parse(File.ReadAllText(runPath))?["fingerprint"]?.GetValue<string>(); }
            catch (JsonException) { }
            if (previous != manifest["fingerprint"]!.GetValue<string>())
                throw new FragilityException($"'{directory}' holds a defence run with other settings, models or images. Use another --out folder, or --overwrite to replace it.");
        }
        if (overwrite && Directory.Exists(rowsDir)) Directory.Delete(rowsDir, recursive: true);
        Directory.CreateDirectory(rowsDir);
        File.WriteAllText(runPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string RowKey(string model, string method, string defence)
    {
        var safe = new string($"{model}__{method}__{defence}".Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        // The name alone may collide after replacing characters; a short hash keeps keys unique.
        return safe + "_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{model}|{method}|{defence}")))[..8];
    }

    private static void SaveRow(string rowsDir, string key, RowRecord record, Dictionary<string, Tensor>? adversarial)
    {
        if (adversarial is not null)
            foreach (var (attack, images) in adversarial)
            {
                using var scope = torch.NewDisposeScope();
                var data = images.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
                string tmp = Path.Combine(rowsDir, $"{key}.{attack}.npy.tmp");
                NpyFile.Write(tmp, data, images.shape.Select(s => (int)s).ToArray());
                File.Move(tmp, Path.Combine(rowsDir, $"{key}.{attack}.npy"), overwrite: true);
            }
        // The JSON last: a row counts as finished only when its arrays are in place.
        string json = Path.Combine(rowsDir, key + ".json");
        File.WriteAllText(json + ".tmp", JsonSerializer.Serialize(record, Json));
        File.Move(json + ".tmp", json, overwrite: true);
    }

    private static (RowRecord Record, Dictionary<string, Tensor>? Adversarial)? LoadRow(string rowsDir, string key, bool withAdversarial)
    {
        string json = Path.Combine(rowsDir, key + ".json");
        if (!File.Exists(json)) return null;
        RowRecord? record;
        try { record = JsonSerializer.Deserialize<RowRecord>(File.ReadAllText(json), Json); }
        catch (JsonException) { return null; }
        if (record is null) return null;
        if (!withAdversarial) return (record, null);
        var adversarial = new Dictionary<string, Tensor>();
        foreach (string attack in new[] { AttackNames.TopK, AttackNames.MassCenter })
        {
            string path = Path.Combine(rowsDir, $"{key}.{attack}.npy");
            if (!File.Exists(path))
            {
                foreach (var t in adversarial.Values) t.Dispose();
                return null;
            }
            var data = NpyFile.ReadSingle(path, out var shape);
            adversarial[attack] = torch.tensor(data, shape.Select(s => (long)s).ToArray());
        }
        return (record, adversarial);
    }

    private string Notes(int images, int k, List<string> skipped)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(string.Create(inv, $"Images: the first {images} test images of {_test.Name} that every model classifies correctly; maps explain that label."));
        s.AppendLine(string.Create(inv, $"Attacks (Ghorbani et al. 2019, Algorithm 1): {_settings.Iterations} iterations of {_settings.Step:R}/255, k = {k}; top-k attack at epsilon {string.Join(", ", _settings.CurveEpsilons.Select(e => e.ToString("R", inv)))}/255 (criterion: top-k intersection); mass-center attack at {_settings.TableEpsilon:R}/255 (criterion: centre shift); one random-sign draw at {_settings.TableEpsilon:R}/255."));
        s.AppendLine(string.Create(inv, $"Gradient-based maps are attacked through the softplus twin with beta {_settings.Beta:R}; labels and criteria come from the ReLU network."));
        s.AppendLine("Robustness columns use the ADAPTIVE attack through each defence (column 'attack'); 'transfer' columns apply the undefended map's attack to the defended map.");
        s.AppendLine(string.Create(inv, $"Faithfulness: deletion (to '{_settings.DeletionBaseline}') and insertion (from '{_settings.InsertionBaseline}') AUC over {_settings.FaithfulnessSteps} steps (Petsiuk et al. 2018); randomisation: Spearman of the maps of the trained model and of a fully randomised copy (Adebayo et al. 2018)."));
        s.AppendLine("Cost: ms per map (one batch's maps timed after a warm-up, divided by the batch size) measured during the run on a shared machine; training s/epoch is the wall clock recorded in each model's metadata, and the extra s/epoch is measured here: median time of a training step with and without the regulariser (alternating, same batch), times the steps per epoch.");
        foreach (string note in skipped) s.AppendLine(note);
        return s.ToString();
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>A finished row with every image's values (what DIR/rows/KEY.json holds).</summary>
    internal sealed record RowRecord(DefenceRow Row, IReadOnlyList<ImageResult> Images);
}
