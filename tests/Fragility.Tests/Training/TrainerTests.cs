using Fragility.Data;
using Fragility.Models;
using Fragility.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Training;

public class TrainerTests
{
    private static Classifier NewModel(int seed)
    {
        torch.manual_seed(seed);
        return ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn,
            Preprocessing = new Preprocessing { Channels = 1, Height = 28, Width = 28, Mean = [0.29], Std = [0.35] },
            ClassNames = DatasetCatalog.FashionMnistClassNames, Seed = seed,
        });
    }

    [Fact]
    public void SameSeed_GivesTheSameWeights()
    {
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 64);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = 5 };
        using var a = NewModel(5);
        using var b = NewModel(5);
        var init = a.Network.state_dict();
        foreach (var (k, v) in b.Network.state_dict()) Assert.True(v.allclose(init[k], 0, 0), $"initial {k}");
        Trainer.Train(a, data, null, options);
        Trainer.Train(b, data, null, options);
        var sb = b.Network.state_dict();
        foreach (var (k, v) in a.Network.state_dict()) Assert.True(v.allclose(sb[k], 0, 0), k);
    }

    [Fact]
    public void Training_LowersTheLossOnTheTrainingImages()
    {
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 128);
        using var model = NewModel(1);
        var report = Trainer.Train(model, data, data, new TrainingOptions { Epochs = 4, BatchSize = 32, Seed = 1, LearningRate = 3e-3 });
        Assert.True(report.EpochLoss[^1] < 0.8 * report.EpochLoss[0], $"loss {report.EpochLoss[0]} -> {report.EpochLoss[^1]}");
        Assert.True(report.Test!.Accuracy > 0.5, $"accuracy {report.Test.Accuracy}");
        Assert.Equal(128, report.Test.Count);
    }

    [Fact]
    public void Evaluate_CountsPerClass()
    {
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 50);
        using var model = NewModel(2);
        var r = Trainer.Evaluate(model, data, batchSize: 7);
        Assert.Equal(50, r.Count);
        Assert.Equal(50, r.PerClassCount.Sum());
        var counts = new int[10];
        foreach (var l in data.Labels) counts[l]++;
        Assert.Equal(counts, r.PerClassCount);
    }

    [Fact]
    public void NormalisationStatistics_MatchHandComputedValues()
    {
        // Two 1x1x2 images: values 0, 1, 0.5, 0.5 -> mean 0.5, population std sqrt(0.125).
        using var images = torch.tensor(new float[] { 0f, 1f, 0.5f, 0.5f }).reshape(2, 1, 1, 2);
        using var data = new ImageDataset("t", images.clone(), [0, 1], ["a", "b"]);
        var (mean, std) = NormalisationStatistics.Compute(data);
        Assert.Equal(0.5, mean[0], 12);
        Assert.Equal(Math.Sqrt(0.125), std[0], 7);
    }
}
