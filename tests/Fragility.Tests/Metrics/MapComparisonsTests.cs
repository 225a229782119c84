using Fragility.Metrics;

namespace Fragility.Tests.Metrics;

public class MapComparisonsTests
{
    [Fact]
    public void ByName_ReturnsTheMetricWithThatName_ForEveryRegisteredName()
    {
        foreach (var name in MapComparisons.Names)
            Assert.Equal(name, MapComparisons.ByName(name.ToUpperInvariant(), 28, 28).Name);
        Assert.Equal(["topk", "spearman", "center_shift"], MapComparisons.PaperNames);
    }

    [Fact]
    public void ByName_TopK_UsesDefaultOrGivenK()
    {
        Assert.Equal(78, Assert.IsType<TopKIntersection>(MapComparisons.ByName("topk", 28, 28)).K);
        Assert.Equal(1000, Assert.IsType<TopKIntersection>(MapComparisons.ByName("topk", 227, 227)).K);
        Assert.Equal(25, Assert.IsType<TopKIntersection>(MapComparisons.ByName("topk", 28, 28, 25)).K);
    }

    [Fact]
    public void ByName_UnknownName_ThrowsListingKnownNames()
    {
        var ex = Assert.Throws<FragilityException>(() => MapComparisons.ByName("jaccard", 28, 28));
        Assert.Contains("jaccard", ex.Message);
        Assert.Contains("center_shift", ex.Message);
    }

    [Fact]
    public void HigherMeansMoreSimilar_IsFalseOnlyForTheDistance()
    {
        var distances = MapComparisons.ByNames(MapComparisons.Names, 28, 28).Where(m => !m.HigherMeansMoreSimilar).Select(m => m.Name);
        Assert.Equal(["center_shift"], distances);
    }
}
