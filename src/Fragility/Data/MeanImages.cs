using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Data;

/// <summary>
/// Mean images of a data set, the usual references (baselines) of explanation methods such as integrated gradients
/// and DeepLIFT. Sums are accumulated in float64 (in chunks, so 60000 images need no float64 copy of the set) and the
/// result is returned in float32.
/// </summary>
public static class MeanImages
{
    private const int Chunk = 4096;

    /// <summary>The per-pixel mean: mean[c, h, w] = (1/N) sum_n x[n, c, h, w]. Shape [C, H, W], float32.</summary>
    /// <param name="dataset">A non-empty data set.</param>
    public static Tensor PerPixel(ImageDataset dataset)
    {
        using var scope = torch.NewDisposeScope();
        var sum = SumOverImages(dataset);
        return (sum / dataset.Count).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The per-channel mean: every pixel of channel c holds (1/(N H W)) sum_{n,h,w} x[n, c, h, w]. Shape [C, H, W],
    /// float32 (the reference used for ImageNet-sized images).
    /// </summary>
    /// <param name="dataset">A non-empty data set.</param>
    public static Tensor PerChannel(ImageDataset dataset)
    {
        using var scope = torch.NewDisposeScope();
        var (c, h, w) = dataset.ImageShape;
        var channelMeans = SumOverImages(dataset).sum([1, 2]) / ((double)dataset.Count * h * w);
        return channelMeans.reshape(c, 1, 1).expand(c, h, w).to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope();
    }

    // Sum over the image axis in float64, [C, H, W]; called inside the caller's dispose scope.
    private static Tensor SumOverImages(ImageDataset dataset)
    {
        if (dataset.Count == 0)
            throw new FragilityException($"Data set '{dataset.Name}' has no images, so it has no mean image: load at least one image.");
        var (c, h, w) = dataset.ImageShape;
        var sum = torch.zeros([c, h, w], dtype: ScalarType.Float64);
        for (long start = 0; start < dataset.Count; start += Chunk)
        {
            using var iteration = torch.NewDisposeScope();
            long length = Math.Min(Chunk, dataset.Count - start);
            // dim by name: a bare literal 0 would convert to ScalarType and pick the whole-tensor sum(dtype) overload.
            sum.add_(dataset.Images.narrow(0, start, length).to(ScalarType.Float64).sum(dim: 0L, keepdim: false));
        }
        return sum;
    }
}
