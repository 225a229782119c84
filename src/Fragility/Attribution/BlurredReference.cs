using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// A blurred copy of the input as its reference (Sturmfels, Lundberg and Lee 2020, "Visualizing the impact of feature
/// attribution baselines"): a Gaussian blur with standard deviation <see cref="SigmaPixels"/> pixels, truncated at
/// 3 sigma, applied per channel as two 1-D convolutions (the Gaussian is separable) with the image's edge pixels
/// replicated outwards. The blur is linear, so the reference is a differentiable function of the input.
/// </summary>
public sealed class BlurredReference : IReference
{
    /// <summary>Creates the reference; <paramref name="sigmaPixels"/> is the Gaussian's standard deviation in pixels.</summary>
    public BlurredReference(double sigmaPixels)
    {
        if (!(sigmaPixels > 0 && double.IsFinite(sigmaPixels)))
            throw new FragilityException($"The blur of a blurred reference needs a positive sigma in pixels, got {sigmaPixels}.");
        SigmaPixels = sigmaPixels;
    }

    /// <summary>Standard deviation of the Gaussian, in pixels.</summary>
    public double SigmaPixels { get; }

    /// <summary>Half-width of the kernel: ceil(3 sigma) pixels.</summary>
    public int Radius => (int)Math.Ceiling(3 * SigmaPixels);

    /// <inheritdoc />
    public string Name => FormattableString.Invariant($"blur(sigma={SigmaPixels})");

    /// <summary>The normalised 1-D kernel, exp(-t^2 / (2 sigma^2)) / sum, t = -radius..radius.</summary>
    public double[] Kernel1D()
    {
        int r = Radius;
        var k = Enumerable.Range(-r, 2 * r + 1).Select(t => Math.Exp(-t * (double)t / (2 * SigmaPixels * SigmaPixels))).ToArray();
        double sum = k.Sum();
        return k.Select(v => v / sum).ToArray();
    }

    /// <inheritdoc />
    public bool DependsOnInputValues => true;   // The blur of the input itself.

    /// <inheritdoc />
    public Tensor For(Tensor input)
    {
        if (input.dim() != 4) throw new ArgumentException($"input must be [N,C,H,W], got [{string.Join(",", input.shape)}]");
        using var scope = torch.NewDisposeScope();
        long c = input.shape[1];
        int r = Radius, k = 2 * r + 1;
        var kernel = torch.tensor(Kernel1D(), dtype: input.dtype, device: input.device);
        var horizontal = kernel.reshape(1, 1, 1, k).expand(c, 1, 1, k);
        var vertical = kernel.reshape(1, 1, k, 1).expand(c, 1, k, 1);
        // Replicate padding works for any image size (reflect needs radius < size) and keeps edges from darkening.
        var padded = nn.functional.pad(input, [r, r, r, r], PaddingModes.Replicate);
        var rows = nn.functional.conv2d(padded, horizontal, groups: c);
        var blurred = nn.functional.conv2d(rows, vertical, groups: c);
        return blurred.MoveToOuterDisposeScope();
    }
}
