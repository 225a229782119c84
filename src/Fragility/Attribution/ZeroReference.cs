using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>The all-black reference r = 0 (pixel scale): Captum's default baseline. It is not neutral for data
/// whose black means something (e.g. Fashion-MNIST background); prefer the data set's mean image.</summary>
public sealed class ZeroReference : IReference
{
    /// <summary>The shared instance.</summary>
    public static ZeroReference Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "zero";

    /// <inheritdoc />
    public bool DependsOnInputValues => false;   // Only on the input's shape.

    /// <inheritdoc />
    public Tensor For(Tensor input) => torch.zeros_like(input);
}
