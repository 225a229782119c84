using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>Max-pool bookkeeping shared by the max-pool rules: window maxima with their positions, and sending one
/// value per window back to a chosen position (summing where windows overlap).</summary>
internal static class MaxPoolRouting
{
    /// <summary>The pool's output for <paramref name="input"/> and, per window, the flat index (row * W + col) of its
    /// maximum in the input plane. Honours kernel, stride, padding, dilation and ceil mode.</summary>
    public static (Tensor Values, Tensor Indices) WithIndices(MaxPool2d pool, Tensor input)
    {
        long[] kernel = LinearMaps.Pair(pool.kernel_size, 1);
        long[] stride = pool.stride is null || pool.stride.Length == 0 ? kernel : LinearMaps.Pair(pool.stride, 1);
        return nn.functional.max_pool2d_with_indices(input, kernel, stride, LinearMaps.Pair(pool.padding, 0), LinearMaps.Pair(pool.dilation, 1), pool.ceil_mode);
    }

    /// <summary>A tensor of <paramref name="inputShape"/> [N, C, H, W] with each window's value of
    /// <paramref name="perWindow"/> added at that window's position <paramref name="indices"/>. Differentiable in the values.</summary>
    public static Tensor Scatter(Tensor indices, Tensor perWindow, long[] inputShape)
    {
        using var scope = torch.NewDisposeScope();
        var flat = torch.zeros(inputShape[0], inputShape[1], inputShape[2] * inputShape[3], dtype: perWindow.dtype, device: perWindow.device);
        return flat.scatter_add(2, indices.flatten(2), perWindow.flatten(2)).reshape(inputShape).MoveToOuterDisposeScope();
    }

    /// <summary>Values of <paramref name="plane"/> [N, C, H, W] at the window positions <paramref name="indices"/>.</summary>
    public static Tensor Gather(Tensor plane, Tensor indices)
    {
        using var scope = torch.NewDisposeScope();
        return plane.flatten(2).gather(2, indices.flatten(2)).reshape(indices.shape).MoveToOuterDisposeScope();
    }
}
