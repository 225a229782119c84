using System.Diagnostics;
using Fragility.Data;
using TorchSharp;

namespace Fragility.Tests.Data;

public class DatasetCatalogTests
{
    [Fact]
    public void FashionMnistTest_Has10000Images_FirstAnAnkleBoot()
    {
        using var ds = DatasetCatalog.Load("fashion-mnist", DatasetSplit.Test, dataDir: null);
        Assert.Equal("fashion-mnist", ds.Name);
        Assert.Equal(new long[] { 10000, 1, 28, 28 }, ds.Images.shape);
        Assert.Equal(9, ds.Labels[0]);
        Assert.Equal("Ankle boot", ds.ClassNames[(int)ds.Labels[0]]);
        Assert.Equal(10, ds.ClassNames.Count);
        // The test set is balanced: 1000 images per class.
        Assert.All(ds.Labels.GroupBy(l => l), g => Assert.Equal(1000, g.Count()));
        Assert.InRange(ds.Images.min().item<float>(), 0f, 0f);
        Assert.InRange(ds.Images.max().item<float>(), 1f, 1f);
    }

    [Fact]
    public void FashionMnistTrain_Reads60000BalancedImages()
    {
        // Speed is measured by benchmarks, not asserted here: a timed test fails on a loaded machine.
        using var ds = DatasetCatalog.Load("fashion-mnist", DatasetSplit.Train, DatasetCatalog.DefaultFashionMnistDirectory);
        Assert.Equal(new long[] { 60000, 1, 28, 28 }, ds.Images.shape);
        Assert.All(ds.Labels.GroupBy(l => l), g => Assert.Equal(6000, g.Count()));
    }

    [Fact]
    public void Sample_Holds256Images_IdenticalToTheFirst256TestImages()
    {
        using var sample = DatasetCatalog.Load("sample", DatasetSplit.Test, dataDir: null);
        using var real = DatasetCatalog.Load("fashion-mnist", DatasetSplit.Test, dataDir: null, limit: 256);
        Assert.Equal("sample", sample.Name);
        Assert.Equal(256, sample.Count);
        Assert.Equal(real.Labels, sample.Labels);
        Assert.Equal(real.Images.data<float>().ToArray(), sample.Images.data<float>().ToArray());
        Assert.Equal(DatasetCatalog.FashionMnistClassNames, sample.ClassNames);
    }

    [Fact]
    public void Sample_IsCopiedBesideTheApplication_AndHasNoTrainSplit()
    {
        // The library's build copies models/** to the output folder; LocateSample must find that copy first.
        string located = DatasetCatalog.LocateSample();
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "models", "samples", "fashion-mnist"), located);
        Assert.True(File.Exists(Path.Combine(located, "t10k-images-idx3-ubyte.gz")));

        var e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("sample", DatasetSplit.Train, null));
        Assert.Contains("only test images", e.Message);
    }

    [Fact]
    public void UnknownNameOrBadLimit_ThrowFragilityException_ListingValidNames()
    {
        var e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("imagenet", DatasetSplit.Test, null));
        Assert.Contains("'imagenet'", e.Message);
        foreach (var name in DatasetCatalog.Names) Assert.Contains(name, e.Message);

        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("sample", DatasetSplit.Test, null, limit: 0));
        Assert.Contains("at least 1", e.Message);

        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("mnist", DatasetSplit.Test, null));
        Assert.Contains("no default location", e.Message);
        Assert.Contains("--data DIR", e.Message);

        using var dir = new TempFolder();
        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("fashion-mnist", DatasetSplit.Test, dir.Path));
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }
}
