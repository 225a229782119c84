using Fragility.Data;
using TorchSharp;

namespace Fragility.Tests.Data;

public class MeanImagesTests
{
    // Two images of 2 channels x 1 x 2 pixels:
    // A: c0 = [0.1, 0.2], c1 = [0.5, 1.0];  B: c0 = [0.3, 0.6], c1 = [0.0, 0.1].
    private static ImageDataset TwoImages() => new("hand",
        torch.tensor(new float[] { 0.1f, 0.2f, 0.5f, 1.0f, 0.3f, 0.6f, 0.0f, 0.1f }, new long[] { 2, 2, 1, 2 }), [0, 1], ["a", "b"]);

    [Fact]
    public void PerPixel_IsTheMeanOverImages()
    {
        using var ds = TwoImages();
        using var mean = MeanImages.PerPixel(ds);
        Assert.Equal(new long[] { 2, 1, 2 }, mean.shape);
        Assert.Equal(torch.ScalarType.Float32, mean.dtype);
        var m = mean.data<float>().ToArray();
        // c0: (0.1+0.3)/2, (0.2+0.6)/2; c1: (0.5+0)/2, (1+0.1)/2.
        double[] expected = [0.2, 0.4, 0.25, 0.55];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], m[i], 6);
    }

    [Fact]
    public void PerChannel_FillsEachChannelWithItsMean()
    {
        using var ds = TwoImages();
        using var mean = MeanImages.PerChannel(ds);
        Assert.Equal(new long[] { 2, 1, 2 }, mean.shape);
        Assert.Equal(torch.ScalarType.Float32, mean.dtype);
        var m = mean.data<float>().ToArray();
        // c0: (0.1+0.2+0.3+0.6)/4 = 0.3; c1: (0.5+1.0+0.0+0.1)/4 = 0.4.
        double[] expected = [0.3, 0.3, 0.4, 0.4];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], m[i], 6);
    }

    [Fact]
    public void PerPixel_OverManyChunks_MatchesFloat64Mean()
    {
        // 5000 images span two accumulation chunks; compare with a plain float64 sum.
        var rng = new Random(7);
        var values = Enumerable.Range(0, 5000 * 3).Select(_ => (float)rng.NextDouble()).ToArray();
        using var ds = new ImageDataset("many", torch.tensor(values, new long[] { 5000, 3, 1, 1 }), new long[5000], ["x"]);
        using var mean = MeanImages.PerPixel(ds);
        for (int c = 0; c < 3; c++)
        {
            double expected = 0;
            for (int n = 0; n < 5000; n++) expected += values[n * 3 + c];
            Assert.Equal(expected / 5000, mean[c, 0, 0].item<float>(), 6);
        }
    }
}
