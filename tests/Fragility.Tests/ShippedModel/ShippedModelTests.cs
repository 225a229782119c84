using Fragility.Attribution;
using Fragility.Data;
using Fragility.Models;
using Fragility.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.ShippedModel;

/// <summary>Properties of the pretrained model shipped in models/ (issues 2 and 3).</summary>
public class ShippedModelTests
{
    [Fact]
    public void ShippedModel_LoadsWithItsMetadata_AndReproducesItsRecordedAccuracyOnTheTestSet()
    {
        using var model = ModelStore.Load(null);
        Assert.Equal(ModelRegistry.SmallCnn, model.Metadata.Architecture);
        Assert.Equal(DatasetCatalog.FashionMnistClassNames, model.Metadata.ClassNames);
        Assert.Equal(0, model.Metadata.Seed);
        Assert.Contains("fragility train", model.Metadata.Command);
        Assert.NotNull(model.Metadata.ReferenceMean);
        using var test = DatasetCatalog.Load(DatasetCatalog.FashionMnist, DatasetSplit.Test, null);
        var result = Trainer.Evaluate(model, test);
        Assert.Equal(model.Metadata.TestAccuracy!.Value, result.Accuracy, 6);
        Assert.True(result.Accuracy >= 0.88, $"accuracy {result.Accuracy}");
    }

    [Fact]
    public void IntegratedGradients_CompletenessErrorBelowOnePercent_AtM100_WithTheMeanReference()
    {
        using var model = ModelStore.Load(null);
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 20);
        using var reference = (MeanImageReference)References.Create(model, "pixel-mean");
        var ig = new IntegratedGradients(100, IntegrationRule.RiemannRight, reference);
        using var target = torch.tensor(model.Predict(data.Images).Labels);
        using var attribution = ig.Attribute(model, data.Images, target);
        using var r = reference.For(data.Images);
        var error = Completeness.Measure(model, data.Images, r, target, attribution);
        Assert.True(error.Relative.Average() < 0.01, $"mean relative completeness error {error.Relative.Average():E2}");
        // More points, smaller error: the right Riemann sum converges like 1/M.
        var fine = new IntegratedGradients(400, IntegrationRule.RiemannRight, reference);
        using var attribution400 = fine.Attribute(model, data.Images, target);
        var error400 = Completeness.Measure(model, data.Images, r, target, attribution400);
        Assert.True(error400.Relative.Average() < error.Relative.Average());
    }

    [Fact]
    public void DeepLift_CompletenessWithin1e4Relative_OnTheShippedModel()
    {
        using var model = ModelStore.Load(null);
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 20);
        using var reference = (MeanImageReference)References.Create(model, "pixel-mean");
        var deeplift = new DeepLift(reference);
        using var target = torch.tensor(model.Predict(data.Images).Labels);
        using var attribution = deeplift.Attribute(model, data.Images, target);
        using var r = reference.For(data.Images);
        var error = Completeness.Measure(model, data.Images, r, target, attribution);
        Assert.True(error.MaxRelative < 1e-4, $"max relative completeness error {error.MaxRelative:E2}");
    }
}
