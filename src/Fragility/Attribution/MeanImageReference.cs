using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// The data set's mean image as the reference, the project's default (docs/method.md §2.5): per pixel ([C, H, W]) for small
/// images, per channel ([C, 1, 1], broadcast over the image) for ImageNet-sized ones. The caller computes the mean
/// in pixel scale [0, 1]; the same reference is used for every input.
/// </summary>
public sealed class MeanImageReference : IReference, IDisposable
{
    private readonly Tensor _mean;

    /// <summary>Creates the reference from a mean image [C, H, W] or per-channel mean [C, 1, 1] (pixel scale); a
    /// leading batch dimension of 1 is accepted. The tensor is copied.</summary>
    /// <param name="meanChw">The mean image.</param>
    /// <param name="name">What it is, for outputs ("pixel-mean(fashion-mnist train, 60000 images)").</param>
    public MeanImageReference(Tensor meanChw, string name = "mean")
    {
        Name = name;
        var m = meanChw.dim() == 4 && meanChw.shape[0] == 1 ? meanChw.squeeze(0) : meanChw;
        if (m.dim() != 3)
            throw new FragilityException($"A mean-image reference needs a tensor [C,H,W] (per pixel) or [C,1,1] (per channel), got [{string.Join(",", meanChw.shape)}]. Pass the data set's mean image.");
        _mean = m.detach().clone();
    }

    /// <summary>The mean image [C, H, W] or [C, 1, 1], pixel scale.</summary>
    public Tensor Mean => _mean;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool DependsOnInputValues => false;   // Only on the input's shape.

    /// <inheritdoc />
    public Tensor For(Tensor input)
    {
        if (input.dim() != 4) throw new ArgumentException($"input must be [N,C,H,W], got [{string.Join(",", input.shape)}]");
        bool fits = _mean.shape[0] == input.shape[1]
            && (_mean.shape[1] == input.shape[2] || _mean.shape[1] == 1)
            && (_mean.shape[2] == input.shape[3] || _mean.shape[2] == 1);
        if (!fits)
            throw new FragilityException($"The mean-image reference is [{string.Join(",", _mean.shape)}] but the input images are [{string.Join(",", input.shape.Skip(1))}]. Compute the mean image on the data set the model takes.");
        using var m = _mean.to(input.dtype, input.device);
        return m.unsqueeze(0).expand(input.shape).contiguous();
    }

    /// <inheritdoc />
    public void Dispose() => _mean.Dispose();
}
