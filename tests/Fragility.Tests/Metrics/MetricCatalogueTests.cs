using System.Text.Json.Nodes;
using Fragility.Metrics;
using Fragility.Reporting;
using MathNet.Numerics.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Metrics;

/// <summary>The catalogue's entries, its names (one spelling, the results.jsonl fields) and every similarity metric
/// on whole batches against hand-computed values or MathNet.</summary>
public class MetricCatalogueTests
{
    [Fact]
    public void Names_AreUnique_SnakeCase_AndEveryCategoryHasAMetric()
    {
        var names = MetricCatalogue.All.Select(m => m.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9_]*$", n));
        Assert.All(Enum.GetValues<MetricCategory>(), c => Assert.NotEmpty(MetricCatalogue.Names(c)));
        Assert.All(MetricCatalogue.All, m => Assert.False(string.IsNullOrWhiteSpace(m.Description)));
        Assert.Equal(["topk_intersection", "spearman", "kendall", "center_shift"], MetricCatalogue.DefaultNames);
        Assert.Equal(["max_sensitivity", "avg_sensitivity", "local_lipschitz"], MetricCatalogue.Names(MetricCategory.Robustness));
        Assert.Equal(["deletion_auc", "insertion_auc"], MetricCatalogue.Names(MetricCategory.Faithfulness));
        Assert.Equal(["randomisation_spearman"], MetricCatalogue.Names(MetricCategory.Randomisation));
    }

    [Fact]
    public void EveryName_IsTheResultsFieldItIsWrittenTo()
    {
        var record = new ResultRecord { Image = 1, Method = "gradient", Attack = "random", Epsilon = 2 };
        foreach (var (m, i) in MetricCatalogue.All.Select((m, i) => (m, i)))
        {
            var line = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(record.WithMetric(m.Name, i + 0.5), ResultsFile.JsonOptions))!.AsObject();
            Assert.Equal(i + 0.5, line[m.Name]!.GetValue<double>());
            // Only that metric: the others are left out, not written as null.
            Assert.DoesNotContain(MetricCatalogue.All, o => o != m && line.ContainsKey(o.Name));
            Assert.Equal(i + 0.5, record.WithMetric(m.Name, i + 0.5).Metric(m.Name));
        }
    }

    [Fact]
    public void Directions_AgreeWithTheMetricObjects()
    {
        foreach (var m in MetricCatalogue.All.Where(m => m.Category == MetricCategory.Similarity))
        {
            Assert.Equal(MetricSubject.MapPair, m.Subject);
            Assert.Equal(m.HigherIsBetter, MetricCatalogue.MapComparison(m.Name, 28, 28).HigherMeansMoreSimilar);
        }
        foreach (string name in MetricCatalogue.Names(MetricCategory.Robustness))
        {
            var metric = MetricCatalogue.Robustness(name, 4, 3, 5);
            Assert.Equal(name, metric.Name);
            Assert.Equal(MetricCatalogue.Find(name).HigherIsBetter, metric.HigherMeansMoreRobust);
        }
        Assert.All(MetricCatalogue.All.Where(m => m.Category != MetricCategory.Similarity), m => Assert.Equal(MetricSubject.CleanExplanation, m.Subject));
        Assert.True(MetricCatalogue.Find("insertion_auc").HigherIsBetter);
        Assert.False(MetricCatalogue.Find("deletion_auc").HigherIsBetter);
        Assert.False(MetricCatalogue.Find("randomisation_spearman").HigherIsBetter);
    }

    [Fact]
    public void Factories_GiveTheNamedMetric_WithItsSettings()
    {
        Assert.Equal(78, Assert.IsType<TopKIntersection>(MetricCatalogue.MapComparison("topk_intersection", 28, 28)).K);
        Assert.Equal(1000, Assert.IsType<TopKIntersection>(MetricCatalogue.MapComparison("TOPK_INTERSECTION", 227, 227)).K);
        Assert.Equal(25, Assert.IsType<TopKIntersection>(MetricCatalogue.MapComparison("topk_intersection", 28, 28, 25)).K);
        Assert.IsType<CenterOfMassShift>(MetricCatalogue.MapComparison("center_shift", 28, 28));
        Assert.IsType<StructuralSimilarity>(MetricCatalogue.MapComparison("ssim", 28, 28));
        var max = Assert.IsType<MaxSensitivity>(MetricCatalogue.Robustness("max_sensitivity", 4, 3, 5));
        Assert.Equal((4.0, 3, 5), (max.Radius, max.Samples, max.Seed));
        Assert.IsType<AverageSensitivity>(MetricCatalogue.Robustness("avg_sensitivity", 4, 3, 5));
        Assert.IsType<LocalLipschitzEstimate>(MetricCatalogue.Robustness("local_lipschitz", 4, 3, 5));
        Assert.Contains("center_shift", Assert.Throws<FragilityException>(() => MetricCatalogue.MapComparison("max_sensitivity", 28, 28)).Message);
        Assert.Contains("local_lipschitz", Assert.Throws<FragilityException>(() => MetricCatalogue.Robustness("spearman", 4, 3, 5)).Message);
    }

    [Fact]
    public void UnknownName_IsOneError_NamingTheOptionAndEveryAllowedValue()
    {
        var e = Assert.Throws<FragilityException>(() => MetricCatalogue.Canonical(["spearman", "jaccard"]));
        Assert.StartsWith("--metrics: unknown metric 'jaccard'", e.Message);
        Assert.All(MetricCatalogue.All, m => Assert.Contains(m.Name, e.Message));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Canonical_IsCatalogueOrder_WhateverTheGivenOrderOrCase()
    {
        Assert.Equal(["topk_intersection", "center_shift", "max_sensitivity"], MetricCatalogue.Canonical(["Max_Sensitivity", "center_shift", "topk_intersection"]));
        Assert.True(MetricCatalogue.IsDefault(["center_shift", "kendall", "spearman", "topk_intersection"]));
        Assert.False(MetricCatalogue.IsDefault(["topk_intersection", "spearman", "center_shift"]));
    }

    // ---- whole batches against independent truth ----

    private static Tensor Batch(params float[][] rows) =>
        torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, 3, 3]);

    [Fact]
    public void TopK_OnABatch_IsTheHandCountedOverlap()
    {
        // Row 0: top-2 of the clean map {0, 1}, of the perturbed {0, 2}: one in common, 1/2. Row 1: the same map, 1.
        // Row 2: all ties; the tie rule takes pixels {0, 1} of both, 1. Row 3: disjoint top-2 sets, 0.
        using var clean = Batch([9, 8, 0, 0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1, 1, 1, 1, 1, 1], [9, 8, 0, 0, 0, 0, 0, 0, 0]);
        using var perturbed = Batch([9, 0, 8, 0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 9, 8]);
        Assert.Equal([0.5, 1.0, 1.0, 0.0], MetricCatalogue.MapComparison("topk_intersection", 3, 3, 2).CompareRows(clean, perturbed));
    }

    [Fact]
    public void CenterShift_OnABatch_IsTheHandComputedDistance()
    {
        // All mass at (0,0) against all at (2,2): sqrt(8). Mass split between (0,0) and (0,2), centroid (0,1), against
        // all at (2,1): 2. The same map: 0.
        using var clean = Batch([1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0, 0, 0, 0], [0, 3, 0, 1, 0, 2, 0, 0, 5]);
        using var perturbed = Batch([0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 4, 0], [0, 3, 0, 1, 0, 2, 0, 0, 5]);
        var shift = MetricCatalogue.MapComparison("center_shift", 3, 3).CompareRows(clean, perturbed);
        Assert.Equal(Math.Sqrt(8), shift[0], 12);
        Assert.Equal(2.0, shift[1], 12);
        Assert.Equal(0.0, shift[2]);
    }

    [Fact]
    public void Kendall_OnABatch_IsTheHandCountedTauB()
    {
        // Row 0: one swapped neighbour pair among 36 pairs: (35 - 1) / 36. Row 1: the order reversed, -1.
        using var clean = Batch([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        using var perturbed = Batch([1, 3, 2, 4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1]);
        var tau = MetricCatalogue.MapComparison("kendall", 3, 3).CompareRows(clean, perturbed);
        Assert.Equal(34.0 / 36, tau[0], 12);
        Assert.Equal(-1.0, tau[1], 12);
    }

    [Fact]
    public void SpearmanAndPearson_OnABatch_AreMathNetsOnEachRow()
    {
        var rng = new Random(7);
        var a = Enumerable.Range(0, 4).Select(_ => MapSamples.WithTies(rng, 9, 4)).ToArray();
        var b = Enumerable.Range(0, 4).Select(_ => MapSamples.Continuous(rng, 9)).ToArray();
        using var clean = Batch(a);
        using var perturbed = Batch(b);
        var spearman = MetricCatalogue.MapComparison("spearman", 3, 3).CompareRows(clean, perturbed);
        var pearson = MetricCatalogue.MapComparison("pearson", 3, 3).CompareRows(clean, perturbed);
        for (int i = 0; i < 4; i++)
        {
            double[] x = [.. a[i].Select(v => (double)v)], y = [.. b[i].Select(v => (double)v)];
            Assert.Equal(Correlation.Spearman(x, y), spearman[i], 12);
            Assert.Equal(Correlation.Pearson(x, y), pearson[i], 12);
        }
    }

    [Fact]
    public void Ssim_OnABatch_IsOneForTheSameMap_AndTheHandValueForConstantAgainstZero()
    {
        // Rescaled to unit maximum, a constant map is all ones; against all zeros every window gives C1 / (1 + C1).
        using var clean = torch.stack([torch.rand([7, 7], generator: new torch.Generator(3, torch.CPU)), torch.full([7, 7], 0.2f)]);
        using var perturbed = torch.stack([clean[0] * 3, torch.zeros([7, 7])]);
        var ssim = MetricCatalogue.MapComparison("ssim", 7, 7).CompareRows(clean, perturbed);
        Assert.Equal(1.0, ssim[0], 6);
        Assert.Equal(1e-4 / (1 + 1e-4), ssim[1], 8);
    }

    [Fact]
    public void BatchedForms_AgreeWithThePerPairDefinition_ForEverySimilarity()
    {
        var rng = new Random(11);
        var a = Enumerable.Range(0, 3).Select(_ => MapSamples.WithTies(rng, 64, 5)).ToArray();
        var b = Enumerable.Range(0, 3).Select(_ => MapSamples.Continuous(rng, 64)).ToArray();
        using var clean = torch.tensor(a.SelectMany(r => r).ToArray(), [3, 8, 8]);
        using var perturbed = torch.tensor(b.SelectMany(r => r).ToArray(), [3, 8, 8]);
        foreach (string name in MetricCatalogue.Names(MetricCategory.Similarity))
        {
            var metric = MetricCatalogue.MapComparison(name, 8, 8);
            var rows = metric.CompareRows(clean, perturbed);
            for (int i = 0; i < 3; i++) Assert.Equal(metric.Compare(a[i], b[i], 8, 8), rows[i], 12);
        }
    }
}
