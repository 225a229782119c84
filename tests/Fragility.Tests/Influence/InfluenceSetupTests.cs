using Fragility.Data;
using Fragility.Influence;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Influence;

/// <summary>The experiment's conventions (features, classes, training subset, test points) on the shipped sample.</summary>
public class InfluenceSetupTests
{
    private static Classifier NewModel()
    {
        torch.manual_seed(2);
        return ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn,
            Preprocessing = new Preprocessing { Channels = 1, Height = 28, Width = 28, Mean = [0.29], Std = [0.35] },
            ClassNames = DatasetCatalog.FashionMnistClassNames,
        });
    }

    [Fact]
    public void Features_AreTheInputOfTheLastLinearLayer()
    {
        using var model = NewModel();
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 6);
        var features = new PenultimateFeatures(model);
        Assert.Equal(128, features.Dimension);
        Assert.Equal("classifier.3", features.LastLayerName);
        using var phi = features.Forward(data.Images);
        using var logits = features.LastLayer.forward(phi);
        using var tail = features.Logits(phi);
        using var expected = model.forward(data.Images);
        Assert.True(logits.allclose(expected, 1e-5, 1e-6));
        Assert.True(tail.allclose(expected, 1e-5, 1e-6));
        Assert.True(phi.min().item<float>() >= 0, "phi follows a ReLU");
    }

    [Fact]
    public void Features_OfAnImportedStateDict_GiveTheLogitsPyTorchComputed()
    {
        var result = Fragility.Models.Import.ModelImporter.Import(new Fragility.Models.Import.ImportOptions
        {
            Source = Fragility.Tests.Import.ImportFixtures.Path("small-cnn.pth"), Architecture = ModelRegistry.SmallCnn,
        });
        using var model = result.Model;
        using var pixels = Fragility.Tests.Import.ImportFixtures.Npy("small-cnn-inputs.npy");
        using var reference = Fragility.Tests.Import.ImportFixtures.Npy("small-cnn-logits.npy");
        var features = new PenultimateFeatures(model);
        using var phi = features.Forward(pixels);
        using var logits = features.Logits(phi);
        Fragility.Tests.Import.ImportFixtures.AssertClose(logits, reference, 1e-5, 1e-4, "logits from phi vs PyTorch");
    }

    [Fact]
    public void ModelsWithoutALinearLayerOrChain_AreRefusedWithAReason()
    {
        var squeeze = Fragility.Models.Import.ModelImporter.Import(new Fragility.Models.Import.ImportOptions
        {
            Source = Fragility.Tests.Import.ImportFixtures.Path("squeezenet1_1.onnx"), Onnx = true, Preprocess = "imagenet",
        });
        using (var m = squeeze.Model)
            Assert.Contains("no linear", Assert.Throws<FragilityException>(() => new PenultimateFeatures(m)).Message);
        var ops = Fragility.Models.Import.ModelImporter.Import(new Fragility.Models.Import.ImportOptions
        {
            Source = Fragility.Tests.Import.ImportFixtures.Path("ops-cnn.onnx"), Onnx = true, Classes = 5,
        });
        using (var m = ops.Model)
            Assert.Contains("not a chain", Assert.Throws<FragilityException>(() => new PenultimateFeatures(m)).Message);
    }

    [Fact]
    public void Build_FollowsTheConventions()
    {
        using var model = NewModel();
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null);
        var settings = new InfluenceSettings { Classes = "Sneaker,ankle BOOT", TrainPerClass = 8, Tests = 5, L2 = 0.1 };
        using var setup = InfluenceSetup.Build(model, data, data, settings);
        Assert.Equal([7, 9], setup.ClassIndices);
        // First 8 of each class in file order, independently.
        var expected = Enumerable.Range(0, data.Count).Where(i => data.Labels[i] == 7).Take(8)
            .Concat(Enumerable.Range(0, data.Count).Where(i => data.Labels[i] == 9).Take(8)).OrderBy(i => i).ToArray();
        Assert.Equal(expected, setup.TrainIndices);
        Assert.Equal(expected.Select(i => data.Labels[i] == 9 ? 1 : 0), setup.TrainLabels);
        Assert.True(setup.Training.Converged);
        Assert.True(setup.Objective.Gradient(setup.Influence.Parameters).L2Norm() < 1e-8);
        // Test points: ascending, of the two classes, classified correctly, and no correctly classified image skipped.
        Assert.Equal(5, setup.TestIndices.Count);
        Assert.Equal(setup.TestIndices.OrderBy(i => i), setup.TestIndices);
        var phi = new PenultimateFeatures(model).ComputeRows(data.Images);
        for (int i = 0; i <= setup.TestIndices[^1]; i++)
        {
            if (data.Labels[i] is not (7 or 9)) { Assert.DoesNotContain(i, setup.TestIndices); continue; }
            int label = data.Labels[i] == 9 ? 1 : 0;
            Assert.Equal(setup.Head.Predict(phi[i]) == label, setup.TestIndices.Contains(i));
        }
        Assert.InRange(setup.TrainAccuracy, 0.5, 1);
        Assert.Equal(data.Labels.Count(l => l is 7 or 9), setup.TestImageCount);
        var explanation = setup.Explain(setup.TestFeatures.Row(0).ToArray(), setup.TestLabels[0]);
        Assert.Equal(16, explanation.Influence.Length);
        Assert.True(explanation.Influence[explanation.Helpful[0]] <= explanation.Influence.Min() + 1e-15);
    }

    [Fact]
    public void ParseClasses_TakesNamesIndicesAndAll_AndRejectsUnknown()
    {
        var names = DatasetCatalog.FashionMnistClassNames;
        Assert.Equal([7, 9], InfluenceSetup.ParseClasses("Sneaker, Ankle boot", names));
        Assert.Equal([9, 7], InfluenceSetup.ParseClasses("9,7", names));
        Assert.Equal(10, InfluenceSetup.ParseClasses("all", names).Length);
        Assert.Contains("Unknown class 'Boot'", Assert.Throws<FragilityException>(() => InfluenceSetup.ParseClasses("Sneaker,Boot", names)).Message);
        Assert.Throws<FragilityException>(() => InfluenceSetup.ParseClasses("Sneaker", names));
        Assert.Throws<FragilityException>(() => InfluenceSetup.ParseClasses("7,Sneaker", names));
    }

    [Fact]
    public void TooFewTrainingImages_NamesTheOption()
    {
        using var model = NewModel();
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null);
        var e = Assert.Throws<FragilityException>(() => InfluenceSetup.Build(model, data, data, new InfluenceSettings { TrainPerClass = 1000, Tests = 2 }));
        Assert.Contains("--train-per-class", e.Message);
    }
}
