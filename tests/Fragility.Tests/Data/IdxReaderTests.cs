using Fragility.Data;

namespace Fragility.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadImages_ReturnsWrittenPixels_GzipAndPlain(bool gzip)
    {
        using var dir = new TempFolder();
        var pixels = DataFiles.RandomBytes(3 * 4 * 5, seed: 1);
        string path = dir.File("images.idx");
        DataFiles.Write(path, DataFiles.IdxImages(pixels, 3, 4, 5), gzip);

        Assert.Equal(gzip, IdxReader.IsGzip(path));
        var read = IdxReader.ReadImages(path);
        Assert.Equal((3, 4, 5), (read.Count, read.Rows, read.Columns));
        Assert.Equal(pixels, read.Pixels);

        var firstTwo = IdxReader.ReadImages(path, limit: 2);
        Assert.Equal(2, firstTwo.Count);
        Assert.Equal(pixels[..40], firstTwo.Pixels);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadLabels_ReturnsWrittenLabels_GzipAndPlain(bool gzip)
    {
        using var dir = new TempFolder();
        byte[] labels = [9, 0, 3, 3, 7];
        string path = dir.File("labels.idx");
        DataFiles.Write(path, DataFiles.IdxLabels(labels), gzip);

        Assert.Equal(labels, IdxReader.ReadLabels(path));
        Assert.Equal(labels[..3], IdxReader.ReadLabels(path, limit: 3));
        Assert.Equal(labels, IdxReader.ReadLabels(path, limit: 100));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TruncatedImages_ThrowFragilityException_NamingFile(bool gzip)
    {
        using var dir = new TempFolder();
        var full = DataFiles.IdxImages(DataFiles.RandomBytes(3 * 4 * 5, seed: 2), 3, 4, 5);
        string path = dir.File("cut-images.idx");
        DataFiles.Write(path, full[..(full.Length - 7)], gzip);

        var e = Assert.Throws<FragilityException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"expected {full.Length} bytes", e.Message);
    }

    [Fact]
    public void TruncatedGzipStream_ThrowsFragilityException_NamingFile()
    {
        using var dir = new TempFolder();
        var compressed = DataFiles.Gzip(DataFiles.IdxImages(DataFiles.RandomBytes(50 * 28 * 28, seed: 3), 50, 28, 28));
        string path = dir.File("cut.gz");
        File.WriteAllBytes(path, compressed[..(compressed.Length / 2)]);

        var e = Assert.Throws<FragilityException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CorruptGzipData_ThrowsFragilityException_NamingFile()
    {
        using var dir = new TempFolder();
        string path = dir.File("garbage.gz");
        var bytes = DataFiles.RandomBytes(2000, seed: 4);
        (bytes[0], bytes[1], bytes[2]) = (0x1F, 0x8B, 8);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<FragilityException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void WrongMagic_ThrowsFragilityException_NamingFileAndMagic()
    {
        using var dir = new TempFolder();
        string path = dir.File("labels-not-images.idx");
        DataFiles.Write(path, DataFiles.IdxLabels([1, 2, 3]), gzip: true);

        var e = Assert.Throws<FragilityException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);

        var e2 = Assert.Throws<FragilityException>(() => IdxReader.ReadLabels(dir.File("missing.idx")));
        Assert.Contains("missing.idx", e2.Message);
        Assert.Contains("not found", e2.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ExtraBytes_ThrowFragilityException(bool gzip)
    {
        using var dir = new TempFolder();
        string path = dir.File("long.idx");
        DataFiles.Write(path, [.. DataFiles.IdxLabels([1, 2, 3]), 4, 5], gzip);

        var e = Assert.Throws<FragilityException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void MnistLayout_LoadsImagesAsBytesOver255_WithLabelsAndDigitNames()
    {
        using var dir = new TempFolder();
        var pixels = DataFiles.RandomBytes(4 * 28 * 28, seed: 5);
        byte[] labels = [5, 0, 4, 1];
        DataFiles.Write(dir.File("t10k-images-idx3-ubyte.gz"), DataFiles.IdxImages(pixels, 4, 28, 28), gzip: true);
        // Uncompressed labels under the name without ".gz" are found too.
        DataFiles.Write(dir.File("t10k-labels-idx1-ubyte"), DataFiles.IdxLabels(labels), gzip: false);

        using var ds = DatasetCatalog.Load("mnist", DatasetSplit.Test, dir.Path);
        Assert.Equal("mnist", ds.Name);
        Assert.Equal(new long[] { 4, 1, 28, 28 }, ds.Images.shape);
        Assert.Equal(new long[] { 5, 0, 4, 1 }, ds.Labels);
        Assert.Equal("5", ds.ClassNames[(int)ds.Labels[0]]);
        var values = ds.Images.data<float>().ToArray();
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] / 255f, values[i]);

        using var two = DatasetCatalog.Load("MNIST", DatasetSplit.Test, dir.Path, limit: 2);
        Assert.Equal(new long[] { 5, 0 }, two.Labels);
        Assert.Equal(values[..(2 * 28 * 28)], two.Images.data<float>().ToArray());
    }

    [Fact]
    public void MnistLayout_RejectsLabelOutOfRange_WrongSize_AndCountMismatch()
    {
        using var dir = new TempFolder();
        string images = dir.File("t10k-images-idx3-ubyte.gz"), labels = dir.File("t10k-labels-idx1-ubyte.gz");
        DataFiles.Write(images, DataFiles.IdxImages(new byte[2 * 28 * 28], 2, 28, 28), gzip: true);
        DataFiles.Write(labels, DataFiles.IdxLabels([3, 10]), gzip: true);
        var e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("mnist", DatasetSplit.Test, dir.Path));
        Assert.Contains(labels, e.Message);
        Assert.Contains("label 10", e.Message);

        DataFiles.Write(labels, DataFiles.IdxLabels([3]), gzip: true);
        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("mnist", DatasetSplit.Test, dir.Path));
        Assert.Contains("2 images but 1 labels", e.Message);

        DataFiles.Write(images, DataFiles.IdxImages(new byte[2 * 32 * 32], 2, 32, 32), gzip: true);
        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("mnist", DatasetSplit.Test, dir.Path));
        Assert.Contains("32x32", e.Message);

        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("mnist", DatasetSplit.Train, dir.Path));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
    }
}
