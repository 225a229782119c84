using Fragility.Defences;
using Fragility.Models;

namespace Fragility.Tests.Defences;

/// <summary>A regulariser is rebuilt from a model's metadata, or the reason it cannot be is given.</summary>
public class TrainingCostTests
{
    private static ModelMetadata With(Dictionary<string, string>? training) => new() { Training = training };

    [Fact]
    public void RecordedRegulariser_IsRebuilt_WithNoReason()
    {
        var r = TrainingCost.FromMetadata(With(new() { ["regularizer"] = "input_gradient", ["lambda"] = "0.1" }), out string? why);
        Assert.NotNull(r);
        Assert.Null(why);
    }

    [Fact]
    public void NoRegulariser_IsNull_WithNoReason()
    {
        Assert.Null(TrainingCost.FromMetadata(With(new() { ["regularizer"] = "none" }), out string? why));
        Assert.Null(why);
        Assert.Null(TrainingCost.FromMetadata(With(null), out why));
        Assert.Null(why);
    }

    [Theory]
    [InlineData("input_gradient", "abc", "lambda")]
    [InlineData("no_such_regulariser", "0.1", "no_such_regulariser")]
    public void UnrebuildableRegulariser_SaysWhy(string spec, string lambda, string named)
    {
        Assert.Null(TrainingCost.FromMetadata(With(new() { ["regularizer"] = spec, ["lambda"] = lambda }), out string? why));
        Assert.NotNull(why);
        Assert.Contains(named, why);
    }
}
