using Fragility.Data;
using Fragility.Experiments;
using Fragility.Models;
using TorchSharp;

namespace Fragility.Tests.Experiments;

public class SweepInputsLabelTests
{
    [Fact]
    public void UnknownOrForeignLabels_AreTakenAsTheyAre_KnownNamesAreMatchedByName()
    {
        using var model = ModelStore.Load(null);
        using var sample = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 8);
        var predicted = model.Predict(sample.Images).Labels;

        // Class folders named unlike the model's classes: every image is taken (its prediction is attacked).
        using var foreign = new ImageDataset("folder", sample.Images.clone(), Enumerable.Repeat(0L, 8).ToArray(), ["cat", "dog"]);
        using var a = SweepInputs.FirstCorrect(model, foreign, 8);
        Assert.Equal(8, a.Count);

        // A data set whose classes are the model's names in another order: matched by name, so only images
        // whose true class (by name) is predicted are taken.
        var names = model.Metadata.ClassNames.Reverse().ToArray();
        var labels = sample.Labels.Select(l => (long)(names.Length - 1 - l)).ToArray();
        using var reordered = new ImageDataset("folder", sample.Images.clone(), labels, names);
        using var b = SweepInputs.FirstCorrect(model, reordered, 8);
        int correct = predicted.Zip(sample.Labels).Count(p => p.First == p.Second);
        Assert.Equal(correct, b.Count);
    }
}
