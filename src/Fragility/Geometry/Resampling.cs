using Fragility.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>Resizes the images of a data set to another square size, for the dimension-scaling experiment (the same
/// images at 14, 28, 56 pixels...): area averaging when shrinking (no aliasing), bilinear interpolation when
/// enlarging; values stay in [0, 1].</summary>
public static class Resampling
{
    /// <summary>A new data set with every image resized to <paramref name="size"/> x <paramref name="size"/>
    /// (a copy even when the size is unchanged).</summary>
    public static ImageDataset Resize(ImageDataset data, int size)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (size < 8) throw new FragilityException($"Image size must be at least 8 pixels, got {size}.");
        var (_, h, w) = data.ImageShape;
        using var scope = torch.NewDisposeScope();
        Tensor images;
        if (h == size && w == size) images = data.Images.clone();
        else
        {
            bool shrink = size < h || size < w;
            images = shrink
                ? nn.functional.interpolate(data.Images, [size, size], mode: InterpolationMode.Area)
                : nn.functional.interpolate(data.Images, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
            images = images.clamp(0.0, 1.0);
        }
        return new ImageDataset(data.Name, images.contiguous().MoveToOuterDisposeScope(), data.Labels.ToArray(), data.ClassNames, data.ItemNames);
    }
}
