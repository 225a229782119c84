using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// A reference (baseline) input r for path and difference methods (gradient x input, integrated gradients, DeepLIFT):
/// attributions explain score_y(x) - score_y(r). The default of this project is the data set's mean image
/// (per pixel for small images, per channel for ImageNet-sized ones; docs/method.md §2.5), which the caller computes and
/// passes as a <see cref="MeanImageReference"/>.
/// </summary>
public interface IReference
{
    /// <summary>Short name for descriptions ("zero", "mean", "blur(sigma=5)").</summary>
    string Name { get; }

    /// <summary>The reference for each input of <paramref name="input"/> [N, C, H, W], same shape, dtype and device.
    /// A reference that depends on the input (a blur of it) is a differentiable function of it.</summary>
    Tensor For(Tensor input);

    /// <summary>Whether the reference depends on the input's values (a blur of it) rather than only on its shape,
    /// dtype and device (zero, a mean image).</summary>
    bool DependsOnInputValues { get; }
}
