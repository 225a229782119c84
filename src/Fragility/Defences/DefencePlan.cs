using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Experiments.Sharding;
using Fragility.Training;
using TorchSharp;

namespace Fragility.Defences;

/// <summary>
/// What a defence run measures, fixed before any attack: the model x method x defence rows, the images (the first N
/// test images every model classifies correctly, so all rows see the same inputs), each model's accuracy on the whole
/// split and its metadata, and the run.json manifest whose fingerprint decides whether a folder can be resumed.
/// </summary>
internal sealed class DefencePlan
{
    private readonly IReadOnlyCollection<string>? _explanationDefenceModels;

    private DefencePlan(IReadOnlyList<string> modelPaths, ImageDataset test, DefenceSettings settings, IReadOnlyList<ExplanationDefence> defences,
        IReadOnlyCollection<string>? explanationDefenceModels, IReadOnlyList<int> indices, double[] accuracy, ModelMetadata[] metadata, SweepShard? shard)
    {
        Shard = shard;
        ModelPaths = modelPaths;
        Test = test;
        Settings = settings;
        Defences = defences;
        _explanationDefenceModels = explanationDefenceModels;
        Indices = indices;
        Accuracy = accuracy;
        Metadata = metadata;
        var (_, h, w) = test.ImageShape;
        K = settings.K ?? TopKIntersection.DefaultK(h, w);
        var rows = new List<(int, string, ExplanationDefence)>();
        for (int m = 0; m < modelPaths.Count; m++)
            foreach (string method in settings.Methods)
                foreach (var d in defences)
                    if (Includes(m, d) && Owns(m, method)) rows.Add((m, method, d));
        Rows = rows;
        int batches = (indices.Count + settings.BatchSize - 1) / settings.BatchSize;
        AttacksPerRow = (settings.CurveEpsilons.Count + 2) * batches;
    }

    /// <summary>Model files, in row order.</summary>
    public IReadOnlyList<string> ModelPaths { get; }

    /// <summary>The labelled test split.</summary>
    public ImageDataset Test { get; }

    /// <summary>Methods, attacks and metrics.</summary>
    public DefenceSettings Settings { get; }

    /// <summary>The explanation-side defences, "none" first (its perturbations are the transfer attack of the others).</summary>
    public IReadOnlyList<ExplanationDefence> Defences { get; }

    /// <summary>Every row: model index x method x defence, in the order they are evaluated and written.</summary>
    public IReadOnlyList<(int Model, string Method, ExplanationDefence Defence)> Rows { get; }

    /// <summary>Test-split indices of the attacked images.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Each model's accuracy on the whole test split, in [0, 1].</summary>
    public IReadOnlyList<double> Accuracy { get; }

    /// <summary>Each model's metadata (training regulariser, its strength and timing).</summary>
    public IReadOnlyList<ModelMetadata> Metadata { get; }

    /// <summary>k of top-k, pixels.</summary>
    public int K { get; }

    /// <summary>Attacks of one row: the curve's top-k attacks, the mass-center and the random-sign attack, per batch.</summary>
    public int AttacksPerRow { get; }

    /// <summary>Loads every model once to measure its accuracy and pick the images all of them classify correctly.</summary>
    /// <exception cref="FragilityException">A model expects other images, the split has no labels, or too few images
    /// are classified correctly by every model.</exception>
    public static DefencePlan Make(IReadOnlyList<string> modelPaths, ImageDataset test, DefenceSettings settings, IReadOnlyList<ExplanationDefence> defences,
        IReadOnlyCollection<string>? explanationDefenceModels, SweepShard? shard = null)
    {
        int n = test.Count;
        var allCorrect = Enumerable.Repeat(true, n).ToArray();
        var accuracy = new double[modelPaths.Count];
        var metadata = new ModelMetadata[modelPaths.Count];
        for (int m = 0; m < modelPaths.Count; m++)
        {
            using var model = ModelStore.Load(modelPaths[m]);
            var p = model.Metadata.Preprocessing;
            var (c, h, w) = test.ImageShape;
            if (c != p.Channels || h != p.Height || w != p.Width)
                throw new FragilityException($"Model '{modelPaths[m]}' expects {p.Channels}x{p.Height}x{p.Width} images but the test set has {c}x{h}x{w}. Use models trained on the same data set.");
            metadata[m] = model.Metadata;
            int correct = 0, labelled = 0;
            using var relu = model.UseRelu();
            for (int start = 0; start < n; start += 500)
            {
                int len = Math.Min(500, n - start);
                using var scope = torch.NewDisposeScope();
                var (labels, _) = model.Predict(test.Images.narrow(0, start, len));
                for (int i = 0; i < len; i++)
                {
                    long truth = test.Labels[start + i];
                    bool ok = truth >= 0 && labels[i] == truth;
                    if (truth >= 0) labelled++;
                    if (ok) correct++;
                    allCorrect[start + i] &= ok;
                }
            }
            if (labelled == 0) throw new FragilityException("The test set has no labels; use a labelled test split.");
            accuracy[m] = (double)correct / labelled;
        }
        var indices = Enumerable.Range(0, n).Where(i => allCorrect[i]).Take(settings.Images).ToArray();
        if (indices.Length < settings.Images)
            throw new FragilityException($"Only {indices.Length} test images are classified correctly by every model, fewer than --images {settings.Images}: ask for fewer images or drop the weakest model.");
        return new DefencePlan(modelPaths, test, settings, defences, explanationDefenceModels, indices, accuracy, metadata, shard);
    }

    /// <summary>The shard this run computes (null: every row).</summary>
    public SweepShard? Shard { get; }

    /// <summary>Model x method pairs: the unit a shard owns, since a pair's defended rows reuse its undefended row's
    /// perturbations (the transfer attack).</summary>
    public int Pairs => ModelPaths.Count * Settings.Methods.Count;

    /// <summary>Whether this run computes the rows of <paramref name="model"/> and <paramref name="method"/>: every pair
    /// without a shard, else pair p when p mod N = I - 1.</summary>
    public bool Owns(int model, string method) =>
        Shard is null || (model * Settings.Methods.Count + Settings.Methods.ToList().IndexOf(method)) % Shard.Count == Shard.Index - 1;

    /// <summary>Whether model <paramref name="model"/> gets <paramref name="defence"/>: every model gets "none", the
    /// explanation-side defences only the models named for them (all when none are named).</summary>
    public bool Includes(int model, ExplanationDefence defence) =>
        defence.IsNone || _explanationDefenceModels is null || _explanationDefenceModels.Contains(DefenceEvaluation.ModelName(ModelPaths[model]));

    /// <summary>A row's identity and the model's values, before any attack; <paramref name="extraSecondsPerEpoch"/>
    /// is asked only here, so the training cost is measured only for models with a row to compute.</summary>
    public DefenceRow Template(int model, string method, ExplanationDefence defence, IAttributionMethod defended, Func<double> extraSecondsPerEpoch)
    {
        var training = TrainingRecord.From(Metadata[model].Training);
        return new DefenceRow
        {
            Model = DefenceEvaluation.ModelName(ModelPaths[model]), Method = method, Defence = defence.Name, MethodDescription = defended.Description,
            Attack = defence.AdaptiveAttack, Images = Indices.Count, K = K, Epsilon = Settings.TableEpsilon,
            Accuracy = Accuracy[model],
            Regulariser = training?.Regulariser ?? "none",
            Lambda = training?.Lambda ?? "0",
            SecondsPerEpoch = training?.EpochSeconds ?? double.NaN,
            ExtraSecondsPerEpoch = extraSecondsPerEpoch(),
        };
    }

    /// <summary>The manifest keys that change a row (the fingerprint's; not the command, the paths or the time).</summary>
    public static IReadOnlyList<string> FingerprintKeys { get; } = ["settings", "model_sha256", "explanation_defence_models", "images", "dataset"];

    /// <summary>run.json: settings, models (with their SHA-256), images and the command; stamped with its fingerprint
    /// over <see cref="FingerprintKeys"/> by <see cref="IO.RunManifest"/>.</summary>
    public JsonObject Manifest(string command)
    {
        var hashes = ModelPaths.Select(IO.FileHash.Sha256).ToList();
        var manifest = new DefenceManifest
        {
            Command = command, Dataset = Test.Name,
            Models = ModelPaths.Select((p, i) => new DefenceManifestModel(DefenceEvaluation.ModelName(p), Path.GetFullPath(p), hashes[i])).ToList(),
            ModelSha256 = hashes,
            Settings = Settings with { Defences = Defences.Select(d => d.Name).ToArray() },
            ExplanationDefenceModels = _explanationDefenceModels?.Order(StringComparer.Ordinal).ToList(),
            Images = Indices,
            CreatedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        }.ToJson();
        IO.RunManifest.Stamp(manifest, FingerprintKeys);
        return manifest;
    }
}
