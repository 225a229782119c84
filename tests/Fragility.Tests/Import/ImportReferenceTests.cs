using Fragility.Attribution;
using Fragility.Data;
using Fragility.IO;
using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

/// <summary>The reference of an imported model is what outputs say it is: a recorded mean, a named file, or an error.</summary>
public sealed class ImportReferenceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"fragility-ref-{Guid.NewGuid():N}");

    public ImportReferenceTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Writes <paramref name="count"/> RGB PNGs of <paramref name="size"/> px whose pixel (c, h, w) of image i
    /// is (7 i + 3 c + h + 2 w) mod 256 / 255, and returns the per-pixel mean computed here by hand.</summary>
    private double[,,] WriteImages(string folder, int count, int size)
    {
        Directory.CreateDirectory(folder);
        var mean = new double[3, size, size];
        for (int i = 0; i < count; i++)
        {
            var v = new float[3 * size * size];
            for (int c = 0; c < 3; c++)
                for (int h = 0; h < size; h++)
                    for (int w = 0; w < size; w++)
                    {
                        int k = (7 * i + 3 * c + h + 2 * w) % 256;
                        v[(c * size + h) * size + w] = k / 255f;
                        mean[c, h, w] += k / 255.0 / count;
                    }
            using var image = torch.tensor(v, new long[] { 3, size, size });
            ImageCodec.SavePng(image, Path.Combine(folder, $"img{i}.png"));
        }
        return mean;
    }

    [Fact]
    public void ImportedOnnxModel_WithoutAMean_RefusesTheDefaultReference_AndNamesTheFix()
    {
        var result = ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("ops-cnn.onnx"), Onnx = true });
        using var model = result.Model;
        var e = Assert.Throws<FragilityException>(() => References.Create(model, "mean"));
        Assert.Contains("--mean-from", e.Message);
        Assert.Throws<FragilityException>(() => References.Create(model, "pixel-mean"));
        Assert.Throws<FragilityException>(() => References.Create(model, "channel-mean"));
        Assert.Equal("zero", References.Create(model, "zero").Name);
    }

    [Fact]
    public void MeanFromAFolder_IsThePerPixelMean_AndOutputsNameIt()
    {
        string folder = Path.Combine(_dir, "train-images");
        var expected = WriteImages(folder, 3, 16);
        string saved = Path.Combine(_dir, "model.safetensors");
        var result = ModelImporter.ImportAndSave(new ImportOptions { Source = ImportFixtures.Path("ops-cnn.onnx"), Onnx = true, MeanFrom = folder }, saved);
        result.Model.Dispose();
        using var model = ModelStore.Load(saved);
        using var reference = (MeanImageReference)References.Create(model, "mean");
        Assert.Equal("pixel-mean(train-images, 3 images)", reference.Name);
        Assert.Equal(new long[] { 3, 16, 16 }, reference.Mean.shape);
        var actual = reference.Mean.data<float>().ToArray();
        for (int c = 0; c < 3; c++)
            for (int h = 0; h < 16; h++)
                for (int w = 0; w < 16; w++)
                    Assert.Equal(expected[c, h, w], actual[(c * 16 + h) * 16 + w], 5);   // float32 of k/255 means
        // Integrated gradients says which reference it used.
        Assert.Contains("reference=pixel-mean(train-images, 3 images)", new IntegratedGradients(8, reference: reference).Description);
    }

    [Fact]
    public void MeanFromAFolder_ForLargeImages_IsThePerChannelMean()
    {
        string folder = Path.Combine(_dir, "large");
        // 256 px images: ImageNet's preprocessing keeps the size (shorter side 256) and crops the central 224.
        var perPixel = WriteImages(folder, 2, 256);
        var result = ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("squeezenet1_1.pth"), Architecture = ModelRegistry.SqueezeNet11, MeanFrom = folder });
        using var model = result.Model;
        var channel = model.Metadata.ReferenceChannelMean!;
        Assert.Null(model.Metadata.ReferenceMean);
        for (int c = 0; c < 3; c++)
        {
            double expected = 0;
            foreach (int h in Enumerable.Range(16, 224)) foreach (int w in Enumerable.Range(16, 224)) expected += perPixel[c, h, w] / (224.0 * 224);
            Assert.Equal(expected, channel[c], 5);
        }
        using var reference = (MeanImageReference)References.Create(model, "mean");
        Assert.StartsWith("channel-mean(large, 2 images)", reference.Name);
    }

    [Fact]
    public void PresetWithoutARecordedMean_UsesItsNormalisationMean_AndSaysSo()
    {
        var result = ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("squeezenet1_1.pth"), Architecture = ModelRegistry.SqueezeNet11 });
        using var model = result.Model;
        using var reference = (MeanImageReference)References.Create(model, "mean");
        Assert.Equal("channel-mean(0.485,0.456,0.406, the preprocessing's normalisation mean)", reference.Name);
        Assert.Equal(0.456, reference.Mean[1, 0, 0].item<float>(), 6);
    }

    [Fact]
    public void ReferenceFile_NpyOrImage_IsUsedAsGiven_AndBadFilesAreRefused()
    {
        var result = ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("ops-cnn.onnx"), Onnx = true });
        using var model = result.Model;
        var values = Enumerable.Range(0, 3 * 16 * 16).Select(i => (i % 97) / 96f).ToArray();
        string npy = Path.Combine(_dir, "ref.npy");
        NpyFile.Write(npy, values, 3, 16, 16);
        using (var reference = (MeanImageReference)References.Create(model, npy))
        {
            Assert.Equal("file:ref.npy", reference.Name);
            Assert.Equal(values, reference.Mean.data<float>().ToArray());
        }
        string perChannel = Path.Combine(_dir, "channel.npy");
        NpyFile.Write(perChannel, new[] { 0.1f, 0.2f, 0.3f }, 3);
        using (var reference = (MeanImageReference)References.Create(model, perChannel))
        using (var x = torch.zeros(1, 3, 16, 16))
        using (var r = reference.For(x))
            Assert.Equal(0.3f, r[0, 2, 5, 7].item<float>());
        string png = Path.Combine(_dir, "png");
        WriteImages(png, 1, 16);
        using (var reference = (MeanImageReference)References.Create(model, Path.Combine(png, "img0.png")))
            Assert.Equal(6 / 255f, reference.Mean[1, 1, 1].item<float>(), 6);   // k = 3 c + h + 2 w

        string wrongShape = Path.Combine(_dir, "wrong.npy");
        NpyFile.Write(wrongShape, new float[28 * 28], 1, 28, 28);
        ImportFixtures.AssertOneLine(Assert.Throws<FragilityException>(() => References.Create(model, wrongShape)));
        string outOfRange = Path.Combine(_dir, "range.npy");
        NpyFile.Write(outOfRange, Enumerable.Repeat(128f, 3 * 16 * 16).ToArray(), 3, 16, 16);
        Assert.Contains("pixel scale", Assert.Throws<FragilityException>(() => References.Create(model, outOfRange)).Message);
        string text = Path.Combine(_dir, "ref.txt");
        File.WriteAllText(text, "0.5");
        Assert.Throws<FragilityException>(() => References.Create(model, text));
        Assert.Contains("no such file", Assert.Throws<FragilityException>(() => References.Create(model, Path.Combine(_dir, "missing.npy"))).Message);
    }
}
