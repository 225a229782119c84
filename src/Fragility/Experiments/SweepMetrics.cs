using System.Globalization;
using System.Text.Json.Nodes;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Experiments;

/// <summary>
/// The sweep's row evaluation: the chosen catalogue metrics (<see cref="SweepSettings.Metrics"/>) of each result line.
/// Map-pair metrics (similarity) compare the clean and the perturbed map of a cell. Clean-explanation metrics
/// (robustness, faithfulness, randomisation) depend only on the image and the method, so they are computed once per
/// batch and method and repeated on every attack and epsilon of that image.
/// </summary>
/// <remarks>
/// Settings of the clean-explanation metrics, written to run.json (<see cref="Manifest"/>):
/// <list type="bullet">
/// <item>robustness: noise radius <see cref="SweepSettings.SensitivityRadius"/> (0-255 scale) and
/// <see cref="SweepSettings.SensitivitySamples"/> draws, on the post-processed map (the one the similarity metrics
/// compare) of the clean prediction's class, on the ReLU network. The draws of an image are seeded by
/// <see cref="AttackSeeds.For"/>(seed, image, method, "sensitivity", radius) and measured on that image alone, so
/// they do not depend on the batch; the three robustness metrics share them (so avg_sensitivity &lt;= max_sensitivity).</item>
/// <item>faithfulness: deletion to black and insertion from a blur with sigma 2 pixels, 28 steps (the audit's and
/// the defences' defaults; <see cref="DeletionInsertion.Auc"/>).</item>
/// <item>randomisation: every parameter re-drawn with seed + 7, as the audit (<see cref="ParameterRandomisation.Check"/>).</item>
/// </list>
/// </remarks>
internal sealed class SweepMetrics
{
    private const string SensitivityDraws = "sensitivity";
    private const int FaithfulnessSteps = 28;
    private const double InsertionBlurSigma = 2.0;
    private const int RandomisationSeedOffset = 7;

    private readonly Classifier _model;
    private readonly SweepSettings _settings;
    private readonly IReadOnlyList<(string Name, IMapComparison Metric)> _pairs;
    private readonly IReadOnlyList<MetricInfo> _clean;

    /// <summary>The evaluation of <paramref name="settings"/>' metrics for maps of <paramref name="height"/> x
    /// <paramref name="width"/> pixels, top-k with <paramref name="k"/>.</summary>
    public SweepMetrics(Classifier model, SweepSettings settings, int k, int height, int width)
    {
        _model = model;
        _settings = settings;
        Names = MetricCatalogue.Canonical(settings.Metrics);
        var chosen = Names.Select(n => MetricCatalogue.Find(n)).ToArray();
        _pairs = chosen.Where(m => m.Subject == MetricSubject.MapPair)
            .Select(m => (m.Name, MetricCatalogue.MapComparison(m.Name, height, width, k))).ToArray();
        _clean = chosen.Where(m => m.Subject == MetricSubject.CleanExplanation).ToArray();
    }

    /// <summary>The chosen metrics, in catalogue order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>True when some chosen metric needs the clean explanation alone (<see cref="OfCleanExplanations"/>).</summary>
    public bool NeedsCleanExplanations => _clean.Count > 0;

    /// <summary>The similarity metrics of each pair (clean map, perturbed map) of a batch, by name.</summary>
    public Dictionary<string, double[]> OfMapPairs(Tensor cleanMaps, Tensor perturbedMaps) =>
        _pairs.ToDictionary(p => p.Name, p => p.Metric.CompareRows(cleanMaps, perturbedMaps));

    /// <summary>The clean-explanation metrics of each image of a batch, by name (none when none are chosen).</summary>
    /// <param name="clean">The batch's clean reference (inputs, labels, maps).</param>
    /// <param name="evaluation">The method that made its maps.</param>
    /// <param name="method">The method's name (for the seeds of the noise).</param>
    /// <param name="images">Data-set index of each image of the batch.</param>
    public Dictionary<string, double[]> OfCleanExplanations(CleanReference clean, IAttributionMethod evaluation, string method, IReadOnlyList<int> images)
    {
        var values = new Dictionary<string, double[]>();
        if (_clean.Count == 0) return values;
        using var scope = torch.NewDisposeScope();
        using var relu = _model.UseRelu();
        var robustness = _clean.Where(m => m.Category == MetricCategory.Robustness).Select(m => m.Name).ToArray();
        foreach (string name in robustness) values[name] = new double[clean.Count];
        for (int b = 0; b < clean.Count && robustness.Length > 0; b++)
        {
            using var imageScope = torch.NewDisposeScope();
            var label = clean.LabelTensor.narrow(0, b, 1);
            Tensor Explain(Tensor x) => SaliencyMaps.FromAttribution(evaluation.Attribute(_model, x, label));
            int seed = AttackSeeds.For(_settings.Seed, images[b], method, SensitivityDraws, _settings.SensitivityRadius);
            foreach (string name in robustness)
                values[name][b] = MetricCatalogue.Robustness(name, _settings.SensitivityRadius, _settings.SensitivitySamples, seed)
                    .Evaluate(Explain, clean.Inputs.narrow(0, b, 1))[0];
        }
        if (Chosen(MetricCatalogue.DeletionAuc) || Chosen(MetricCatalogue.InsertionAuc))
        {
            var (deletion, insertion) = DeletionInsertion.Auc(_model, clean.Inputs, clean.Maps, clean.Labels,
                ZeroReference.Instance, new BlurredReference(InsertionBlurSigma), FaithfulnessSteps);
            if (Chosen(MetricCatalogue.DeletionAuc)) values[MetricCatalogue.DeletionAuc] = deletion;
            if (Chosen(MetricCatalogue.InsertionAuc)) values[MetricCatalogue.InsertionAuc] = insertion;
        }
        if (Chosen(MetricCatalogue.RandomisationSpearman))
            values[MetricCatalogue.RandomisationSpearman] = ParameterRandomisation.Check(_model, evaluation, clean.Inputs, clean.LabelTensor, clean.Maps,
                (long)_settings.Seed + RandomisationSeedOffset);
        return values;
    }

    /// <summary><paramref name="record"/> with the metrics of row <paramref name="row"/> of each batch of values.</summary>
    public static ResultRecord Fill(ResultRecord record, int row, params Dictionary<string, double[]>[] values)
    {
        foreach (var batch in values)
            foreach (var (name, rows) in batch) record = record.WithMetric(name, rows[row]);
        return record;
    }

    /// <summary>
    /// What run.json records of the choice: nothing for the default metrics (so the default sweep's run.json and
    /// fingerprint stay as they were), else "metrics" and, when a clean-explanation metric is chosen,
    /// "metric_settings" with the settings of the remarks.
    /// </summary>
    public (IReadOnlyList<string>? Metrics, JsonObject? Settings) Manifest()
    {
        if (MetricCatalogue.IsDefault(Names)) return (null, null);
        if (_clean.Count == 0) return (Names, null);
        var s = new JsonObject();
        if (_clean.Any(m => m.Category == MetricCategory.Robustness))
        {
            s["sensitivity_radius"] = _settings.SensitivityRadius;
            s["sensitivity_samples"] = _settings.SensitivitySamples;
            s["sensitivity_seeds"] = $"per image: AttackSeeds.For(seed {_settings.Seed.ToString(CultureInfo.InvariantCulture)}, image, method, \"{SensitivityDraws}\", radius)";
            s["sensitivity_map"] = "post-processed map of the clean prediction's class, ReLU network";
        }
        if (Chosen(MetricCatalogue.DeletionAuc) || Chosen(MetricCatalogue.InsertionAuc))
        {
            s["faithfulness_steps"] = FaithfulnessSteps;
            s["deletion_baseline"] = ZeroReference.Instance.Name;
            s["insertion_baseline"] = new BlurredReference(InsertionBlurSigma).Name;
        }
        if (Chosen(MetricCatalogue.RandomisationSpearman)) s["randomisation_seed"] = (long)_settings.Seed + RandomisationSeedOffset;
        return (Names, s);
    }

    /// <summary>run.json key of the chosen metrics (absent for the default choice).</summary>
    public const string MetricsKey = "metrics";

    /// <summary>run.json key of the clean-explanation metrics' settings.</summary>
    public const string SettingsKey = "metric_settings";

    /// <summary>The metrics a stored run.json computed: its "metrics", or the default when it has none.</summary>
    public static IReadOnlyList<string> Stored(JsonObject run) => RunInfo.ChosenMetrics(run) ?? MetricCatalogue.DefaultNames;

    private bool Chosen(string name) => Names.Contains(name);
}
