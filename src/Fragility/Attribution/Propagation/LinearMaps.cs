using Fragility.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>The affine layers the rules know (convolution, linear, normalisations, average pools, flatten, dropout):
/// their forward pass with modified weights and the transpose (adjoint) of their linear part.</summary>
internal static class LinearMaps
{
    /// <summary>True for layers with a weight matrix (Conv2d, Linear): the "linear layers" of LRP rules.</summary>
    public static bool IsWeighted(nn.Module module) => module is Conv2d or Linear;

    /// <summary>The layer's output for <paramref name="a"/> with its weight W replaced by <paramref name="weight"/>(W)
    /// and its bias kept or dropped. Parameterless linear layers (pools) run as they are.</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> layer, Tensor a, Func<Tensor, Tensor>? weight, bool withBias)
    {
        switch (layer)
        {
            case Conv2d c:
            {
                CheckZeroPadding(c);
                var w = weight is null ? c.weight! : weight(c.weight!);
                var b = withBias ? c.bias : null;
                return c.padding_type is Padding p
                    ? nn.functional.conv2d_padding(a, w, b, Pair(c.stride, 1), p, Pair(c.dilation, 1), c.groups)
                    : nn.functional.conv2d(a, w, b, Pair(c.stride, 1), Pair(c.padding, 0), Pair(c.dilation, 1), c.groups);
            }
            case Linear l:
                return nn.functional.linear(a, weight is null ? l.weight! : weight(l.weight!), withBias ? l.bias : null);
            default:
                if (weight is not null) throw new InvalidOperationException($"layer {layer.GetType().Name} has no weight to modify");
                return layer.forward(a);
        }
    }

    /// <summary>J^T s: the transpose of the linear part of the layer (bias dropped), with the weight replaced by
    /// <paramref name="weight"/>(W) when given; the result has shape <paramref name="inputShape"/>.</summary>
    public static Tensor Transpose(nn.Module<Tensor, Tensor> layer, string layerName, Tensor s, long[] inputShape, Func<Tensor, Tensor>? weight = null)
    {
        switch (layer)
        {
            case Conv2d c:
            {
                CheckZeroPadding(c);
                if (c.padding_type is not null) return Vjp(u => Forward(c, u, weight, false), s, inputShape, layerName);
                var w = weight is null ? c.weight! : weight(c.weight!);
                long[] stride = Pair(c.stride, 1), padding = Pair(c.padding, 0), dilation = Pair(c.dilation, 1);
                // conv_transpose2d is the exact adjoint of conv2d once output_padding restores the input size.
                var outputPadding = new long[2];
                for (int d = 0; d < 2; d++)
                    outputPadding[d] = inputShape[2 + d] - ((s.shape[2 + d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (w.shape[2 + d] - 1) + 1);
                return nn.functional.conv_transpose2d(s, w, null, stride, padding, outputPadding, dilation, c.groups);
            }
            case Linear l:
            {
                var w = weight is null ? l.weight! : weight(l.weight!);
                // matmul has no exception guard in TorchSharp's glue: check before calling.
                if (s.dim() != 2 || s.shape[1] != w.shape[0] || s.dtype != w.dtype)
                    throw new InvalidOperationException($"signal [{string.Join(",", s.shape)}] {s.dtype} does not fit linear layer '{layerName}' [{string.Join(",", w.shape)}] {w.dtype}");
                return s.matmul(w);
            }
            case Flatten:
                return s.reshape(inputShape);
            case Dropout:
                return s.alias();
            case ChannelNormalisation:
                // The module divides by its float32 copy of std; its own adjoint matches it to the last bit.
                return Vjp(layer.forward, s, inputShape, layerName);
            case BatchNorm2d bn:
            {
                using var scope = torch.NewDisposeScope();
                var scale = (bn.running_var! + bn.eps).rsqrt();
                if (bn.weight is not null) scale = scale * bn.weight;
                return (s * scale.reshape(1, -1, 1, 1)).MoveToOuterDisposeScope();
            }
            case AvgPool2d or AdaptiveAvgPool2d or RoutingOp or AffineOp:
                // Affine maps: the gradient at any point (zero) is the transpose of the linear part.
                return Vjp(layer.forward, s, inputShape, layerName);
            default:
                throw Unsupported(layer, layerName);
        }
    }

    /// <summary>The error for a layer no rule covers.</summary>
    public static FragilityException Unsupported(nn.Module layer, string layerName) =>
        new($"Layer '{layerName}' ({layer.GetType().Name}) is not supported by the propagation rules (DeepLIFT, LRP). Supported: Conv2d, Linear, ChannelNormalisation, BatchNorm2d, ReLU/SwitchableActivation, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Dropout and concatenated branches; use a gradient method for this model.");

    /// <summary>Vector-Jacobian product of a linear map at zero input: (d map / d u)^T s. Used for pools whose
    /// adjoint has many cases (ceil mode, padding, adaptive windows) and for the input normalisation. Differentiable
    /// in s when s requires grad.</summary>
    private static Tensor Vjp(Func<Tensor, Tensor> map, Tensor s, long[] inputShape, string layerName)
    {
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        var u = torch.zeros(inputShape, dtype: s.dtype, device: s.device).requires_grad_(true);
        var y = map(u);
        // autograd.grad aborts the process on misuse (docs/platform.md §2): check graph and shapes first.
        if (!y.requires_grad || !y.shape.SequenceEqual(s.shape) || y.dtype != s.dtype)
            throw new InvalidOperationException($"cannot transpose layer '{layerName}': output [{string.Join(",", y.shape)}] {y.dtype}, signal [{string.Join(",", s.shape)}] {s.dtype}");
        bool graph = s.requires_grad;
        var g = torch.autograd.grad([y], [u], [s], retain_graph: graph, create_graph: graph, allow_unused: true)[0];
        if (g.IsInvalid) g = torch.zeros(inputShape, dtype: s.dtype, device: s.device);
        return g.MoveToOuterDisposeScope();
    }

    private static void CheckZeroPadding(Conv2d c)
    {
        if (c.padding_mode != PaddingModes.Zeros)
            throw new FragilityException($"Convolutions with {c.padding_mode} padding are not supported by the propagation rules (DeepLIFT, LRP); only zero padding is. Use a gradient method for this model.");
    }

    /// <summary>A 2-D size from a module property that may be null or given once for both dimensions.</summary>
    internal static long[] Pair(long[]? value, long fallback) => value switch
    {
        null or { Length: 0 } => [fallback, fallback],
        { Length: 1 } => [value[0], value[0]],
        _ => [value[0], value[1]],
    };
}
