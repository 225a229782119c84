using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// Spectral norms (largest singular values, L2 operator norms) of linear layers, the factors of
/// <see cref="LipschitzBound"/> and of the spectral-norm projection in training. A general linear operator A is handled
/// by <see cref="Geometry.PowerIteration"/> on its normal operator A^T A, with A^T given explicitly:
/// <c>v &lt;- A^T A v / ||A^T A v||</c>, <c>sigma = sqrt(||A^T A v||)</c> at convergence. A convolution's
/// transpose is <c>conv_transpose2d</c> with the same weight, stride, padding and dilation and the output padding that
/// restores the input size; its norm depends on the input size (padding and borders), so the size is an argument.
/// </summary>
/// <remarks>Power iteration approaches sigma from below; at the default tolerance (relative change of sigma^2 below
/// 1e-7 between iterations) the result is the norm to about 6 significant digits.</remarks>
public static class OperatorNorm
{
    /// <summary>Default largest number of power iterations (1000).</summary>
    public const int DefaultIterations = 1000;

    /// <summary>Default relative tolerance on sigma^2 between iterations (1e-7).</summary>
    public const double DefaultTolerance = 1e-7;

    /// <summary>Spectral norm of a linear operator on inputs of shape <paramref name="inputShape"/>.</summary>
    /// <param name="apply">x to A x (batch of one).</param>
    /// <param name="transpose">y to A^T y; shape of the result must be <paramref name="inputShape"/>.</param>
    /// <param name="inputShape">Shape of x, batch dimension included (e.g. [1, C, H, W]).</param>
    /// <param name="dtype">Dtype of the iterate (the layer's).</param>
    /// <param name="seed">Seed of the random start vector.</param>
    /// <param name="iterations">Largest number of iterations.</param>
    /// <param name="tolerance">Relative tolerance on sigma^2.</param>
    public static double OfLinearMap(Func<Tensor, Tensor> apply, Func<Tensor, Tensor> transpose, long[] inputShape,
        ScalarType dtype = ScalarType.Float32, int seed = 0, int iterations = DefaultIterations, double tolerance = DefaultTolerance)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator((ulong)seed, torch.CPU);
        // Drawn on the CPU generator, then moved to the default device (--device): the same start on every device.
        var start = torch.randn(inputShape, dtype: ScalarType.Float64, device: torch.CPU, generator: generator).to(dtype, torch.get_default_device());
        var (sigma, vector) = OfLinearMap(apply, transpose, start, iterations, tolerance);
        vector.Dispose();
        return sigma;
    }

    /// <summary>Spectral norm of a linear operator and its top right singular vector, by <see cref="Geometry.PowerIteration"/>
    /// on the normal operator A^T A (<see cref="NormalOperator"/>) from <paramref name="start"/> (shaped like A's input,
    /// batch of one; e.g. the previous vector, for a warm start). The vector, shaped like <paramref name="start"/>, is
    /// owned by the caller, outside any dispose scope. <paramref name="estimate"/> is <see cref="PowerEstimate.ProductNorm"/>
    /// (sigma = sqrt(||A^T A v||), tolerance on sigma^2; the Lipschitz bound) or <see cref="PowerEstimate.SingularValue"/>
    /// (sigma = ||A^T A v|| / ||A v||, tolerance on sigma; the spectral-norm projection).</summary>
    public static (double Sigma, Tensor Vector) OfLinearMap(Func<Tensor, Tensor> apply, Func<Tensor, Tensor> transpose, Tensor start,
        int iterations = DefaultIterations, double tolerance = DefaultTolerance, PowerEstimate estimate = PowerEstimate.ProductNorm)
    {
        if (estimate == PowerEstimate.RayleighQuotient) throw new ArgumentException("A spectral norm is estimated by the product norm or the singular-value step.");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var normal = new NormalOperator(apply, transpose, start.shape);
        using var found = PowerIteration.Run(normal, start.detach().reshape(1, -1), iterations, tolerance, estimate);
        double value = found.Values[0];
        return (estimate == PowerEstimate.SingularValue ? value : Math.Sqrt(value), found.Vectors.reshape(start.shape).clone().DetachFromDisposeScope());
    }

    /// <summary>Spectral norm of a convolution (bias dropped) on inputs of shape <paramref name="inputShape"/>
    /// ([1, C, H, W]), by power iteration on the operator and its transpose (<c>conv_transpose2d</c>).</summary>
    public static double OfConv2d(Conv2d conv, long[] inputShape, int seed = 0, int iterations = DefaultIterations, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(conv);
        var weight = conv.weight ?? throw new FragilityException("A convolution without a weight has no spectral norm; check the model.");
        if (conv.padding_mode != PaddingModes.Zeros)
            throw new FragilityException($"Convolutions with {conv.padding_mode} padding are not supported by the Lipschitz bound; only zero padding is.");
        if (conv.padding_type is not null)
            return OfLinearModule(u => nn.functional.conv2d_padding(u, weight, null, Pair(conv.stride, 1), conv.padding_type.Value, Pair(conv.dilation, 1), conv.groups),
                inputShape, weight.dtype, seed, iterations, tolerance);
        long[] stride = Pair(conv.stride, 1), padding = Pair(conv.padding, 0), dilation = Pair(conv.dilation, 1);
        Tensor Forward(Tensor u) => nn.functional.conv2d(u, weight, null, stride, padding, dilation, conv.groups);
        Tensor Transpose(Tensor y)
        {
            // conv_transpose2d is the exact adjoint of conv2d once output_padding restores the input size.
            var outputPadding = new long[2];
            for (int d = 0; d < 2; d++)
                outputPadding[d] = inputShape[2 + d] - ((y.shape[2 + d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (weight.shape[2 + d] - 1) + 1);
            return nn.functional.conv_transpose2d(y, weight, null, stride, padding, outputPadding, dilation, conv.groups);
        }
        return OfLinearMap(Forward, Transpose, inputShape, weight.dtype, seed, iterations, tolerance);
    }

    /// <summary>Spectral norm of a fully connected layer's weight (bias dropped).</summary>
    public static double OfLinear(Linear linear, int seed = 0, int iterations = DefaultIterations, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(linear);
        var w = linear.weight ?? throw new FragilityException("A linear layer without a weight has no spectral norm; check the model.");
        return OfLinearMap(u => u.matmul(w.t()), y => y.matmul(w), [1, w.shape[1]], w.dtype, seed, iterations, tolerance);
    }

    /// <summary>Spectral norm of a layer known to be linear (average pools, a convolution with implicit padding),
    /// with the transpose taken by autograd (a vector-Jacobian product at zero).</summary>
    public static double OfLinearModule(Func<Tensor, Tensor> layer, long[] inputShape, ScalarType dtype, int seed = 0,
        int iterations = DefaultIterations, double tolerance = DefaultTolerance) =>
        OfLinearMap(layer, TransposeByAutograd(layer, inputShape), inputShape, dtype, seed, iterations, tolerance);

    /// <summary>The transpose of a linear (or affine: the offset drops out) <paramref name="layer"/> on inputs of
    /// <paramref name="inputShape"/>, by autograd: y to the vector-Jacobian product at zero.</summary>
    public static Func<Tensor, Tensor> TransposeByAutograd(Func<Tensor, Tensor> layer, long[] inputShape)
    {
        return y =>
        {
            using var scope = torch.NewDisposeScope();
            using var enable = torch.enable_grad();
            var u = torch.zeros(inputShape, dtype: y.dtype, device: y.device).requires_grad_(true);
            var output = layer(u);
            // autograd.grad aborts the process on misuse (docs/platform.md §2): check graph and shapes first.
            if (!output.requires_grad || !output.shape.SequenceEqual(y.shape))
                return torch.zeros(inputShape, dtype: y.dtype, device: y.device).MoveToOuterDisposeScope();
            var g = torch.autograd.grad([output], [u], [y], allow_unused: true)[0];
            return (g.IsInvalid ? torch.zeros(inputShape, dtype: y.dtype, device: y.device) : g).MoveToOuterDisposeScope();
        };
    }

    private static long[] Pair(long[]? value, long fallback) => value switch
    {
        null or { Length: 0 } => [fallback, fallback],
        { Length: 1 } => [value[0], value[0]],
        _ => [value[0], value[1]],
    };
}
