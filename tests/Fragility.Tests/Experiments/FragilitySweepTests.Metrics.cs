using System.Text.Json.Nodes;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Experiments;
using Fragility.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Experiments;

/// <summary>The sweep's choice of metrics (SweepSettings.Metrics, the CLI's --metrics): the default writes what it
/// always wrote, a subset writes exactly its columns, and a folder resumes only with the choice it started with.</summary>
public sealed partial class FragilitySweepTests
{
    // Its own settings, not Small's with changes: static initialisers of partial files run in no given order.
    private static readonly SweepSettings OneMethod = new()
    {
        Methods = ["gradient"], Attacks = ["random", "topk"], Epsilons = [2, 4], Images = 3, Iterations = 2, Step = 1, K = 10, BatchSize = 2, ArrayImages = 0,
    };

    private static readonly string[] Common = ["image", "item", "label", "label_name", "method", "attack", "epsilon", "k"];
    private static readonly string[] After = ["label_after", "label_kept", "confidence_before", "confidence_after", "linf", "failed", "seconds"];

    private static JsonObject RunFile(string dir) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SweepFiles.RunFile)))!;

    private static string[] CsvContent(string dir)
    {
        var lines = File.ReadAllLines(Path.Combine(dir, SweepFiles.SummaryFile));
        int seconds = Array.IndexOf(lines[0].Split(','), "seconds_mean");
        return lines.Select(l => string.Join(",", l.Split(',').Where((_, i) => i != seconds))).ToArray();
    }

    [Fact]
    public void TheDefaultSetGivenExplicitly_WritesWhatTheDefaultWrites_AndTheSameFingerprint()
    {
        string byDefault = Path.Combine(_root, "default"), explicitly = Path.Combine(_root, "explicit");
        Run(byDefault, OneMethod);
        Run(explicitly, OneMethod with { Metrics = ["center_shift", "kendall", "Spearman", "topk_intersection"] });

        var a = Lines(byDefault);
        var b = Lines(explicitly);
        Assert.Equal(12, a.Count);
        Assert.All(a, l => Assert.Equal([.. Common, "topk_intersection", "spearman", "kendall", "center_shift", .. After], l.Select(kv => kv.Key).ToArray()));
        Assert.Equal(a.Select(Content), b.Select(Content));
        Assert.Equal(CsvContent(byDefault), CsvContent(explicitly));
        Assert.Equal(Fragility.Reporting.SweepSummary.CsvColumns, File.ReadLines(Path.Combine(byDefault, SweepFiles.SummaryFile)).First().Split(','));
        var run = RunFile(byDefault);
        Assert.False(run.ContainsKey("metrics"));
        Assert.False(run.ContainsKey("metric_settings"));
        Assert.Equal(run["fingerprint"]!.GetValue<string>(), RunFile(explicitly)["fingerprint"]!.GetValue<string>());
    }

    [Fact]
    public void ASubset_WritesExactlyItsColumns_TheSameValues_AndRecordsTheChoiceAndItsSettings()
    {
        string full = Path.Combine(_root, "full"), subset = Path.Combine(_root, "subset");
        Run(full, OneMethod);
        var settings = OneMethod with { Metrics = ["deletion_auc", "spearman", "max_sensitivity", "avg_sensitivity"], SensitivityRadius = 6, SensitivitySamples = 3 };
        Run(subset, settings);

        var lines = Lines(subset);
        Assert.Equal(12, lines.Count);
        Assert.All(lines, l => Assert.Equal([.. Common, "spearman", "max_sensitivity", "avg_sensitivity", "deletion_auc", .. After], l.Select(kv => kv.Key).ToArray()));
        // The subset's similarity values are the full run's: choosing metrics changes which are written, not their values.
        var spearman = Lines(full).ToDictionary(Key, l => l["spearman"]!.GetValue<double>());
        Assert.All(lines, l => Assert.Equal(spearman[Key(l)], l["spearman"]!.GetValue<double>()));
        // The clean map's metrics are one value per image, repeated on each attack and epsilon.
        foreach (var image in lines.GroupBy(l => (int)l["image"]!))
            foreach (string m in new[] { "max_sensitivity", "avg_sensitivity", "deletion_auc" })
                Assert.Single(image.Select(l => l[m]!.GetValue<double>()).Distinct());
        Assert.All(lines, l => Assert.InRange(l["avg_sensitivity"]!.GetValue<double>(), 0, l["max_sensitivity"]!.GetValue<double>()));
        Assert.All(lines, l => Assert.InRange(l["deletion_auc"]!.GetValue<double>(), 0, 1));

        var run = RunFile(subset);
        Assert.Equal(["spearman", "max_sensitivity", "avg_sensitivity", "deletion_auc"], run["metrics"]!.AsArray().Select(n => n!.GetValue<string>()));
        var s = run["metric_settings"]!.AsObject();
        Assert.Equal(6, s["sensitivity_radius"]!.GetValue<double>());
        Assert.Equal(3, s["sensitivity_samples"]!.GetValue<int>());
        Assert.Equal(28, s["faithfulness_steps"]!.GetValue<int>());
        Assert.Equal("zero", s["deletion_baseline"]!.GetValue<string>());
        Assert.False(s.ContainsKey("randomisation_seed"));

        string[] header = File.ReadLines(Path.Combine(subset, SweepFiles.SummaryFile)).First().Split(',');
        Assert.Equal(["method", "attack", "epsilon", "images", "spearman_mean", "spearman_std", "label_kept_rate", "failures", "confidence_before_mean",
            "confidence_after_mean", "linf_mean", "linf_max", "k", "seconds_mean", "max_sensitivity_mean", "max_sensitivity_std", "avg_sensitivity_mean",
            "avg_sensitivity_std", "deletion_auc_mean", "deletion_auc_std"], header);
        Assert.True(File.Exists(Path.Combine(subset, SweepFiles.FigureFile)));
    }

    [Fact]
    public void MaxSensitivity_InTheSweep_IsTheMetricOnThatImageAlone_WithItsPerImageSeed()
    {
        string dir = Path.Combine(_root, "sensitivity");
        var settings = OneMethod with { Metrics = ["max_sensitivity"], Attacks = ["random"], Epsilons = [2], SensitivitySamples = 4 };
        Run(dir, settings);
        using var inputs = Inputs(settings.Images);
        var lines = Lines(dir);
        for (int position = 0; position < inputs.Count; position++)
        {
            int image = inputs.Indices[position];
            using var scope = torch.NewDisposeScope();
            var x = inputs.Images.Images.narrow(0, position, 1);
            using var clean = CleanReference.Compute(_model, new SimpleGradient(), x);
            using var relu = _model.UseRelu();
            var expected = new MaxSensitivity(8, 4, AttackSeeds.For(0, image, "gradient", "sensitivity", 8))
                .Evaluate(v => SaliencyMaps.FromAttribution(new SimpleGradient().Attribute(_model, v, clean.LabelTensor)), x)[0];
            Assert.Equal(expected, lines.Single(l => (int)l["image"]! == image)["max_sensitivity"]!.GetValue<double>());
        }
    }

    [Fact]
    public void RandomisationAndInsertion_AreWritten_AndTheModelIsRestored()
    {
        string dir = Path.Combine(_root, "sanity");
        var before = _model.parameters().Select(p => p.detach().clone()).ToList();
        Run(dir, OneMethod with { Metrics = ["topk_intersection", "insertion_auc", "randomisation_spearman"] });
        Assert.All(_model.parameters().Zip(before), p => Assert.True(p.First.detach().eq(p.Second).all().item<bool>()));
        var lines = Lines(dir);
        Assert.All(lines, l => Assert.InRange(l["randomisation_spearman"]!.GetValue<double>(), -1, 1));
        Assert.All(lines, l => Assert.InRange(l["insertion_auc"]!.GetValue<double>(), 0, 1));
        Assert.Equal(7, RunFile(dir)["metric_settings"]!["randomisation_seed"]!.GetValue<long>());
        foreach (var t in before) t.Dispose();
    }

    [Fact]
    public void ResumingWithAnotherChoice_IsRefused_NamingTheChoiceToResumeWith()
    {
        string dir = Path.Combine(_root, "resume");
        var chosen = OneMethod with { Metrics = ["spearman", "max_sensitivity"], SensitivitySamples = 2 };
        Run(dir, chosen);
        var e = Assert.Throws<FragilityException>(() => Run(dir, OneMethod));
        Assert.Contains("--metrics spearman,max_sensitivity, not topk_intersection,spearman,kendall,center_shift", e.Message);
        Assert.Contains("rerun with --metrics spearman,max_sensitivity", e.Message);
        // The noise settings are part of the fingerprint too.
        e = Assert.Throws<FragilityException>(() => Run(dir, chosen with { SensitivitySamples = 3 }));
        Assert.Contains("metric_settings", e.Message);
        Run(dir, chosen);   // the same choice resumes
        Assert.Equal(12, Lines(dir).Count);
    }

    [Fact]
    public void BadChoices_AreClearErrors()
    {
        Assert.Contains("unknown metric 'nope'. Allowed values: topk_intersection", Assert.Throws<FragilityException>(() => (OneMethod with { Metrics = ["nope"] }).Validate(28, 28)).Message);
        Assert.Contains("--metrics is empty", Assert.Throws<FragilityException>(() => (OneMethod with { Metrics = [] }).Validate(28, 28)).Message);
        Assert.Contains("twice", Assert.Throws<FragilityException>(() => (OneMethod with { Metrics = ["spearman", "SPEARMAN"] }).Validate(28, 28)).Message);
        Assert.Contains("--sensitivity-radius", Assert.Throws<FragilityException>(() => (OneMethod with { SensitivityRadius = 0 }).Validate(28, 28)).Message);
        Assert.Contains("--sensitivity-samples", Assert.Throws<FragilityException>(() => (OneMethod with { SensitivitySamples = 0 }).Validate(28, 28)).Message);
    }
}
