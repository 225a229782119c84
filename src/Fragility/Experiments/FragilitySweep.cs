using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Experiments.Sharding;
using Fragility.IO;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Experiments;

/// <summary>
/// The paper's experiment grid: every method x attack x epsilon on the selected inputs, batch by batch, written to a
/// sweep folder (see <see cref="SweepFiles"/>) one result line per finished cell. Re-running the same sweep on the
/// same folder resumes it: finished cells are skipped, an interrupted last line is dropped, nothing is duplicated.
/// A folder made with different settings (another fingerprint) is refused. Results do not depend on batch size or
/// order: random draws are seeded per image (<see cref="AttackSeeds"/>). A sweep given a <see cref="SweepShard"/>
/// runs only that shard's whole batches and writes its own files beside the other shards' (see
/// <see cref="ShardFiles"/>); <see cref="SweepMerge"/> joins them.
/// </summary>
public sealed class FragilitySweep
{
    /// <summary>The run.json keys that change results: its fingerprint is taken over them (<see cref="RunManifest"/>).</summary>
    public static IReadOnlyList<string> FingerprintKeys { get; } =
    [
        "model_sha256", "architecture", "dataset", "images", "image_indices", "methods", "method_descriptions", "attacks",
        "epsilons", "iterations", "step", "k", "beta", "seed", "ig_steps", "attack_steps", "criterion", "target", "criterion_ig",
        SweepMetrics.MetricsKey, SweepMetrics.SettingsKey,
    ];

    // criterion_ig and the metrics keys are in run.json only when used, so sweeps that do not use them keep their
    // earlier fingerprint (RunManifest leaves out a key the manifest lacks).

    private readonly Classifier _model;
    private readonly SelectedInputs _inputs;
    private readonly SweepSettings _settings;
    private readonly SweepMethodFactory _methods;
    private readonly SweepProvenance _provenance;
    private readonly SweepShard? _shard;
    private readonly SweepMetrics _metrics;
    private readonly int _first, _owned;

    /// <summary>Prepares a sweep.</summary>
    /// <param name="model">The classifier (ReLU network).</param>
    /// <param name="inputs">The inputs, e.g. from <see cref="SweepInputs.Load"/>.</param>
    /// <param name="settings">Grid and attack settings.</param>
    /// <param name="methods">Makes the attribution methods by name.</param>
    /// <param name="provenance">Command line and model path for run.json.</param>
    /// <param name="shard">Run only this shard of the sweep; null (default) for the whole sweep.</param>
    public FragilitySweep(Classifier model, SelectedInputs inputs, SweepSettings settings, SweepMethodFactory methods, SweepProvenance provenance,
        SweepShard? shard = null)
    {
        var p = model.Metadata.Preprocessing;
        settings.Validate(p.Height, p.Width);
        _model = model;
        _inputs = inputs;
        _settings = settings with { Attacks = settings.Attacks.Select(AttackNames.Canonical).ToArray() };
        _methods = methods;
        _provenance = provenance;
        K = settings.K ?? TopKIntersection.DefaultK(p.Height, p.Width);
        _metrics = new SweepMetrics(model, _settings, K, p.Height, p.Width);
        _shard = shard;
        (_first, _owned) = shard?.Positions(inputs.Count, settings.BatchSize) ?? (0, inputs.Count);
    }

    /// <summary>k of top-k used by the sweep (pixels).</summary>
    public int K { get; }

    /// <summary>Cells of the grid: images x methods x attacks x epsilons (of this shard's images when sharded).</summary>
    public int TotalCells => _owned * _settings.Methods.Count * _settings.Attacks.Count * _settings.Epsilons.Count;

    /// <summary>
    /// Runs (or resumes) the sweep into <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">The sweep folder; created if missing.</param>
    /// <param name="overwrite">Delete a previous sweep's files in the folder first instead of resuming it.</param>
    /// <param name="progress">Receives "sweep" updates: cells done of all cells.</param>
    /// <param name="cancellation">Stops between iterations and cells; finished cells stay in results.jsonl.</param>
    public SweepOutcome Run(string directory, bool overwrite = false, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(directory);
        using var guard = FolderLock.Take(directory, _shard is null ? "sweep" : $"sweep.{_shard.Tag}", "sweep");
        if (overwrite) DeleteSweepFiles(directory, _shard);
        var methods = _settings.Methods.Select(name =>
        {
            var (evaluation, gradient) = _settings.MethodsFor(name, _methods);
            return (Name: name, Evaluation: evaluation, Gradient: gradient);
        }).ToArray();
        var manifest = Manifest(methods.Select(m => Describe(m.Evaluation, m.Gradient)).ToArray(), methods.Any(m => _settings.CriterionFor(m.Evaluation) is not null));
        PrepareRunFile(directory, manifest, RunFileName, ResultsFileName);
        string arrays = Path.Combine(directory, SweepFiles.ArraysFolder);
        Directory.CreateDirectory(arrays);
        // Partial arrays of an interrupted run (never renamed into place) are stale.
        // (A shard removes only its own: the others may be writing theirs.)
        foreach (string stale in Directory.EnumerateFiles(arrays, "*" + TempSuffix)) File.Delete(stale);

        using var log = ResultsLog.Open(Path.Combine(directory, ResultsFileName));
        int total = TotalCells;
        int resumed = Grid().Count(log.Done.Contains);
        int done = resumed, run = 0;
        // Cells of one method and attack cost about the same, across kinds up to 100-fold: the time left is weighted by kind.
        var remaining = Grid().Where(c => !log.Done.Contains(c)).GroupBy(c => CostKind(c.Method, c.Attack))
            .ToDictionary(g => g.Key, g => (long)g.Count());
        progress?.Report(new ProgressUpdate("sweep", done, total, Resumed: resumed, RemainingByKind: new Dictionary<string, long>(remaining)));

        for (int start = _first; start < _first + _owned; start += _settings.BatchSize)
        {
            int count = Math.Min(_settings.BatchSize, _inputs.Count - start);
            var positions = Enumerable.Range(start, count).ToArray();
            foreach (var method in methods)
            {
                if (positions.All(p => AllDone(log, _inputs.Indices[p], method.Name))) continue;
                cancellation.ThrowIfCancellationRequested();
                using var batch = _inputs.Images.Images.narrow(0, start, count);
                using var clean = CleanReference.Compute(_model, method.Evaluation, batch);
                var explanationMetrics = _metrics.OfCleanExplanations(clean, method.Evaluation, method.Name, positions.Select(p => _inputs.Indices[p]).ToArray());
                for (int b = 0; b < count; b++)
                {
                    if (positions[b] >= _settings.ArrayImages) continue;
                    using var scope = torch.NewDisposeScope();
                    int image = _inputs.Indices[positions[b]];
                    WriteOnce(directory, SweepFiles.CleanImage(image), clean.Inputs[b]);
                    WriteOnce(directory, SweepFiles.CleanMap(image, method.Name), clean.Maps[b]);
                }
                foreach (string attackName in _settings.Attacks)
                    foreach (double epsilon in _settings.Epsilons)
                    {
                        var todo = Enumerable.Range(0, count)
                            .Where(b => !log.Done.Contains(new SweepCell(_inputs.Indices[positions[b]], method.Name, attackName, epsilon))).ToArray();
                        if (todo.Length == 0) continue;
                        cancellation.ThrowIfCancellationRequested();
                        string kind = CostKind(method.Name, attackName);
                        progress?.Report(new ProgressUpdate("sweep", done, total,
                            $"{method.Name} {attackName} eps {SweepFiles.Epsilon(epsilon)}, images {start + 1}-{start + count} of {_inputs.Count}",
                            Resumed: resumed, Kind: kind, RemainingByKind: new Dictionary<string, long>(remaining)));
                        RunCell(directory, log, clean, explanationMetrics, positions, todo, method.Name, method.Evaluation, method.Gradient, attackName, epsilon, cancellation);
                        done += todo.Length;
                        run += todo.Length;
                        remaining[kind] -= todo.Length;
                    }
            }
        }
        // A sweep that found everything done already said so in its first update; the same line twice is noise.
        if (run > 0) progress?.Report(new ProgressUpdate("sweep", done, total, Resumed: resumed, RemainingByKind: new Dictionary<string, long>(remaining)));
        log.Dispose();
        // A shard's summary would be partial: the merge writes the sweep's.
        if (_shard is null) WriteSummary(directory, FigureTitle(_inputs.Count, K));
        return new SweepOutcome(directory, total, run, resumed, log.DroppedIncompleteLine);
    }

    /// <summary>The figure's title: short, because a one-method figure is 380 px wide.</summary>
    internal static string FigureTitle(int images, int k) => $"{images} images, k = {k}";

    /// <summary>summary.csv and figure.png from the folder's results (also for a sweep that was already finished).</summary>
    internal static void WriteSummary(string directory, string title)
    {
        var summary = SweepSummary.Load(directory);
        summary.WriteCsv(Path.Combine(directory, SweepFiles.SummaryFile));
        if (summary.Rows.Count > 0)
            PaperFigure.Save(summary, Path.Combine(directory, SweepFiles.FigureFile), title);
    }

    private void RunCell(string directory, ResultsLog log, CleanReference clean, Dictionary<string, double[]> explanationMetrics, int[] positions, int[] todo, string methodName,
        IAttributionMethod evaluation, IAttributionMethod gradient, string attackName, double epsilon, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        // The whole batch even when some of its images are done (a resumed cell): a batch's floating-point results
        // depend on its composition, so only the same batch reproduces an uninterrupted run; only missing lines are written.
        var reference = clean;
        var indices = positions.Select(p => _inputs.Indices[p]).ToArray();
        var attack = AttackFactory.Create(attackName, _model, evaluation, _settings.AttackSettingsFor(epsilon), gradient, _settings.Target, _settings.CriterionFor(evaluation));
        using var result = attack.Run(reference, indices, cancellation);
        var pairMetrics = _metrics.OfMapPairs(reference.Maps, result.PerturbedMaps);
        double seconds = clock.Elapsed.TotalSeconds / positions.Length;
        foreach (int j in todo)
        {
            int position = positions[j];
            int image = indices[j];
            if (position < _settings.ArrayImages)
            {
                using var scope = torch.NewDisposeScope();
                WriteArray(directory, SweepFiles.Perturbed(image, methodName, attackName, epsilon), result.Perturbed[j]);
                WriteArray(directory, SweepFiles.PerturbedMap(image, methodName, attackName, epsilon), result.PerturbedMaps[j]);
            }
            var o = result.Outcomes[j];
            var names = _inputs.Images.ClassNames;
            log.Append(SweepMetrics.Fill(new ResultRecord
            {
                Image = image, Item = _inputs.Item(position), Label = (int)o.LabelBefore,
                LabelName = o.LabelBefore >= 0 && o.LabelBefore < names.Count ? names[(int)o.LabelBefore] : null,
                Method = methodName, Attack = attackName, Epsilon = epsilon, K = K,
                LabelAfter = (int)o.LabelAfter, LabelKept = o.LabelKept, ConfidenceBefore = o.ConfidenceBefore, ConfidenceAfter = o.ConfidenceAfter,
                Linf = o.LinfPixels, Failed = o.Failed, Seconds = seconds,
            }, j, pairMetrics, explanationMetrics));
        }
    }

    /// <summary>The progress estimate's kind of a cell: cells of one method and attack cost about the same, and
    /// "method/attack" lets it guess an unmeasured pair from the others (see <see cref="ProgressEstimator"/>).</summary>
    private static string CostKind(string method, string attack) => $"{method}/{attack}";

    private IEnumerable<SweepCell> Grid() =>
        from image in _inputs.Indices.Skip(_first).Take(_owned)
        from method in _settings.Methods
        from attack in _settings.Attacks
        from epsilon in _settings.Epsilons
        select new SweepCell(image, method, attack, epsilon);

    private bool AllDone(ResultsLog log, int image, string method) =>
        _settings.Attacks.All(a => _settings.Epsilons.All(e => log.Done.Contains(new SweepCell(image, method, a, e))));

    private string RunFileName => _shard is null ? SweepFiles.RunFile : ShardFiles.RunFile(_shard);

    private string ResultsFileName => _shard is null ? SweepFiles.ResultsFile : ShardFiles.ResultsFile(_shard);

    // Shards share arrays/, so each names its partial files apart from the others'.
    private string TempSuffix => _shard is null ? ".tmp" : $".{_shard.Tag}.tmp";

    private void WriteOnce(string directory, string relative, Tensor tensor)
    {
        if (!File.Exists(Path.Combine(directory, relative))) WriteArray(directory, relative, tensor);
    }

    /// <summary>Writes a float32 .npy through a temporary file and a rename, so an interrupted sweep never leaves a
    /// partial array behind.</summary>
    private void WriteArray(string directory, string relative, Tensor tensor)
    {
        string path = Path.Combine(directory, relative);
        float[] values;
        using (torch.NewDisposeScope())
            values = tensor.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        string temp = path + TempSuffix;
        NpyFile.Write(temp, values, tensor.shape.Select(d => (int)d).ToArray());
        File.Move(temp, path, overwrite: true);
    }

    private static string Describe(IAttributionMethod evaluation, IAttributionMethod gradient) =>
        evaluation.Description == gradient.Description ? evaluation.Description : $"{evaluation.Description}; attack gradient {gradient.Description}";

    // ---- run.json ----

    private JsonObject Manifest(string[] methodDescriptions, bool cheapCriterion)
    {
        var (metrics, metricSettings) = _metrics.Manifest();
        var manifest = new SweepManifest
        {
            Command = _provenance.Command,
            Model = string.IsNullOrEmpty(_provenance.ModelPath) ? _model.Metadata.Architecture : Path.GetFileName(_provenance.ModelPath),
            ModelPath = string.IsNullOrEmpty(_provenance.ModelPath) ? "" : Path.GetFullPath(_provenance.ModelPath),
            Architecture = _model.Metadata.Architecture,
            Dataset = _inputs.Dataset,
            Images = _inputs.Count,
            Methods = _settings.Methods,
            Attacks = _settings.Attacks,
            Epsilons = _settings.Epsilons,
            Iterations = _settings.Iterations,
            Step = _settings.Step,
            K = K,
            Beta = _settings.Beta,
            SmoothTwin = $"{_model.SmoothTwinSummary} (beta {_settings.Beta.ToString("R", CultureInfo.InvariantCulture)}; for the attack gradients of gradient-based maps)",
            Seed = _settings.Seed,
            BatchSize = _settings.BatchSize,
            IgSteps = _settings.IgSteps,
            AttackSteps = _settings.AttackSteps,
            ClassNames = _inputs.Images.ClassNames,
            Versions = new Dictionary<string, string?>
            {
                ["fragility"] = typeof(FragilitySweep).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                    ?? typeof(FragilitySweep).Assembly.GetName().Version?.ToString(),
                ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString(3),
                ["libtorch"] = torch.__version__,
                ["dotnet"] = RuntimeInformation.FrameworkDescription,
            },
            CreatedUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Criterion = AttackNames.Of(_settings.Criterion),
            Target = _settings.Target?.Description,
            MethodDescriptions = methodDescriptions,
            ImageIndices = _inputs.Indices,
            ArrayImages = _settings.ArrayImages,
            ModelSha256 = ModelHash(_model),
            // Only when some method scores with it, so sweeps with the paper's criterion keep their earlier fingerprint.
            CriterionIg = cheapCriterion ? _settings.CriterionIg!.ToString() : null,
            Metrics = metrics,
            MetricSettings = metricSettings,
            Shard = _shard is null ? null : new SweepManifestShard(_shard.Index, _shard.Count, _first, _owned),
        };
        var o = manifest.ToJson();
        RunManifest.Stamp(o, FingerprintKeys);
        return o;
    }

    /// <summary>SHA-256 of the architecture, preprocessing and every weight (names, shapes, float bytes).</summary>
    private static string ModelHash(Classifier model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(model.Metadata.Architecture + "|" + JsonSerializer.Serialize(model.Metadata.Preprocessing)));
        foreach (var (name, tensor) in model.Network.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"|{name}[{string.Join(",", tensor.shape)}]"));
            using var scope = torch.NewDisposeScope();
            var bytes = tensor.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            sha.AppendData(MemoryMarshal.AsBytes(bytes.AsSpan()));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static void PrepareRunFile(string directory, JsonObject manifest, string runFile, string resultsFile)
    {
        string runPath = Path.Combine(directory, runFile);
        string resultsPath = Path.Combine(directory, resultsFile);
        var stored = RunManifest.Read(runPath);
        if (stored is null && File.Exists(resultsPath) && new FileInfo(resultsPath).Length > 0)
            throw new FragilityException($"'{directory}' has {resultsFile} but no {runFile}, so its settings are unknown: use another --out, or --overwrite to replace it.");
        // The metrics first: a different choice is the likeliest difference once --metrics is in use, and its fix is specific.
        if (stored is not null && !SweepMetrics.Stored(stored).SequenceEqual(SweepMetrics.Stored(manifest)))
        {
            string kept = string.Join(",", SweepMetrics.Stored(stored));
            throw new FragilityException($"'{directory}' holds a sweep that computed --metrics {kept}, not {string.Join(",", SweepMetrics.Stored(manifest))}: " +
                $"rerun with --metrics {kept} to resume it, use another --out, or --overwrite to replace it.");
        }
        stored = RunManifest.Prepare(runPath, manifest, FingerprintKeys, "a sweep");
        // A shard resumes only the same split: its images depend on N and the batch size.
        if (stored is not null && manifest[ShardFiles.ShardKey] is JsonNode shard && stored[ShardFiles.ShardKey]?.ToJsonString() != shard.ToJsonString())
            throw new FragilityException($"'{runPath}' was written by a split with other shard images ({RunManifest.Short(stored[ShardFiles.ShardKey])} -> {RunManifest.Short(shard)}; " +
                "another --batch-size?): rerun with the first run's --batch-size, or --overwrite to start this shard over.");
    }

    private static void DeleteSweepFiles(string directory, SweepShard? shard)
    {
        if (shard is not null)
        {
            // Only this shard's own files: the folder is shared with the other shards.
            File.Delete(Path.Combine(directory, ShardFiles.RunFile(shard)));
            File.Delete(Path.Combine(directory, ShardFiles.ResultsFile(shard)));
            return;
        }
        SweepFiles.Delete(directory, withShards: false);
    }
}
