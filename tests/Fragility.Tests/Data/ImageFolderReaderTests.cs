using Fragility.Data;
using SkiaSharp;

namespace Fragility.Tests.Data;

public class ImageFolderReaderTests
{
    private static readonly ImageLoadOptions Grey4 = new(1, 4, 4);

    // Each image is one uniform grey level, so its position in the data set can be read back from its pixels.
    private static void Grey(TempFolder dir, string relative, byte level, SKEncodedImageFormat format = SKEncodedImageFormat.Png) =>
        DataFiles.WriteImage(dir.File(relative.Split('/')), 4, 4, (_, _) => (level, level, level, 255), format);

    private static float[] Levels(ImageDataset ds) =>
        Enumerable.Range(0, ds.Count).Select(i => ds.Images[i].mean().item<float>() * 255f).ToArray();

    [Fact]
    public void ClassFolders_GiveSortedClassNames_LabelsAndPathOrder()
    {
        using var dir = new TempFolder();
        Grey(dir, "dog/x.png", 30);
        Grey(dir, "cat/b.png", 10);
        Grey(dir, "cat/sub/a.png", 20);
        Grey(dir, ".hidden/h.png", 99);
        Grey(dir, "cat/.h.png", 98);
        File.WriteAllText(dir.File("cat", "notes.txt"), "skipped: not an image extension");
        Directory.CreateDirectory(dir.File("zebra", "x"));  // an empty class keeps its index

        using var ds = ImageFolderReader.Load(dir.Path, Grey4);
        Assert.Equal("folder", ds.Name);
        Assert.Equal(["cat", "dog", "zebra"], ds.ClassNames);
        Assert.Equal(["cat/b.png", "cat/sub/a.png", "dog/x.png"], ds.ItemNames!);
        Assert.Equal(new long[] { 0, 0, 1 }, ds.Labels);
        Assert.Equal([10f, 20f, 30f], Levels(ds).Select(v => MathF.Round(v)));

        using var two = DatasetCatalog.Load("folder", DatasetSplit.Test, dir.Path, Grey4, limit: 2);
        Assert.Equal(["cat/b.png", "cat/sub/a.png"], two.ItemNames!);
    }

    [Fact]
    public void FlatFolder_GivesUnknownLabels_InPathOrder()
    {
        using var dir = new TempFolder();
        Grey(dir, "b.png", 50);
        Grey(dir, "a.jpg", 100, SKEncodedImageFormat.Jpeg);
        Grey(dir, "C.PNG", 150);

        using var ds = ImageFolderReader.Load(dir.Path, Grey4, classNames: ["x", "y"]);
        Assert.Equal(["C.PNG", "a.jpg", "b.png"], ds.ItemNames!);  // ordinal: upper case first
        Assert.All(ds.Labels, l => Assert.Equal(ImageFolderReader.UnknownLabel, l));
        Assert.Equal(["x", "y"], ds.ClassNames);
        var levels = Levels(ds);
        Assert.Equal(150f, levels[0], 0.5f);
        Assert.Equal(100f, levels[1], 2f);  // JPEG
        Assert.Equal(50f, levels[2], 0.5f);
    }

    [Fact]
    public void TextFilePosingAsPng_ThrowsOneLineError_NamingTheFile()
    {
        using var dir = new TempFolder();
        Grey(dir, "good.png", 10);
        File.WriteAllText(dir.File("zz-not-really.png"), "hello");

        var e = Assert.Throws<FragilityException>(() => ImageFolderReader.Load(dir.Path, Grey4));
        Assert.Contains("zz-not-really.png", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void EmptyMixedAndMissingFolders_ThrowFragilityException()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("readme.txt"), "no images here");
        var e = Assert.Throws<FragilityException>(() => ImageFolderReader.Load(dir.Path, Grey4));
        Assert.Contains("no images", e.Message);
        Assert.Contains(dir.Path, e.Message);

        Grey(dir, "loose.png", 1);
        Grey(dir, "cls/a.png", 2);
        e = Assert.Throws<FragilityException>(() => ImageFolderReader.Load(dir.Path, Grey4));
        Assert.Contains("loose.png", e.Message);

        e = Assert.Throws<FragilityException>(() => ImageFolderReader.Load(dir.File("nope"), Grey4));
        Assert.Contains("not found", e.Message);

        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("folder", DatasetSplit.Test, null));
        Assert.Contains("--data", e.Message);
    }
}
