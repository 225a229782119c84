using Fragility.Data;
using TorchSharp;

namespace Fragility.Tests.Data;

public class InputSpecTests
{
    private static readonly ImageLoadOptions Fashion = DatasetCatalog.DefaultImageOptions("fashion-mnist");

    [Fact]
    public void DatasetN_GivesTheFirstNTestImagesInOrder()
    {
        using var five = InputSpec.Resolve("dataset:5", Fashion);
        using var sample = DatasetCatalog.Load("sample", DatasetSplit.Test, null);
        Assert.Equal(5, five.Count);
        Assert.Equal(sample.Labels[..5], five.Labels);
        Assert.Equal(sample.Images[..5].data<float>().ToArray(), five.Images.data<float>().ToArray());

        using var fromReal = InputSpec.Resolve("DATASET:3", Fashion, "fashion-mnist");
        Assert.Equal(sample.Labels[..3], fromReal.Labels);
    }

    [Theory]
    [InlineData("dataset:0", "positive whole number")]
    [InlineData("dataset:abc", "positive whole number")]
    [InlineData("dataset:-2", "positive whole number")]
    [InlineData("dataset:300", "has only 256")]
    [InlineData("/no/such/thing.png", "neither an existing image file or folder")]
    [InlineData("", "No input")]
    public void BadSpecs_ThrowFragilityException(string spec, string expected)
    {
        var e = Assert.Throws<FragilityException>(() => InputSpec.Resolve(spec, Fashion));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ImageFileAndFolder_GiveUnlabelledImages_ResizedToTheModelGeometry()
    {
        using var dir = new TempFolder();
        // 56 x 56: left half grey 40, right half grey 200; resized to 28 x 28 by DefaultImageOptions.
        string file = dir.File("imgs", "shirt.png");
        DataFiles.WriteGreyPng(file, 56, 56, (x, _) => x < 28 ? (byte)40 : (byte)200);
        DataFiles.WriteGreyPng(dir.File("imgs", "another.png"), 28, 28, (_, _) => 7);

        using var one = InputSpec.Resolve(file, Fashion, classNames: DatasetCatalog.FashionMnistClassNames);
        Assert.Equal(new long[] { 1, 1, 28, 28 }, one.Images.shape);
        Assert.Equal([ImageFolderReader.UnknownLabel], one.Labels);
        Assert.Equal(["shirt.png"], one.ItemNames!);
        Assert.Equal("Ankle boot", one.ClassNames[9]);
        Assert.Equal(40 / 255f, one.Images[0, 0, 5, 3].item<float>(), 3);
        Assert.Equal(200 / 255f, one.Images[0, 0, 20, 24].item<float>(), 3);

        using var folder = InputSpec.Resolve(dir.File("imgs"), Fashion);
        Assert.Equal(["another.png", "shirt.png"], folder.ItemNames!);
        Assert.Equal(7 / 255f, folder.Images[0].mean().item<float>(), 4);

        string text = dir.File("notes.txt");
        File.WriteAllText(text, "x");
        var e = Assert.Throws<FragilityException>(() => InputSpec.Resolve(text, Fashion));
        Assert.Contains("notes.txt", e.Message);
    }
}
