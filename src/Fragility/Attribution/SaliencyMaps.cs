using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// The post-processing every method shares before any metric (docs/method.md §2.6): absolute value, summed over
/// channels, normalised to sum to 1 per image. (The paper's reference code normalises to H*W instead; the metrics
/// do not depend on the choice.) Differentiable, so attack objectives can be built on it.
/// </summary>
public static class SaliencyMaps
{
    /// <summary>Smallest total mass treated as non-zero; an all-zero map stays all zero instead of NaN.</summary>
    public const double Tiny = 1e-30;

    /// <summary>Saliency maps [N, H, W] from signed attributions [N, C, H, W].</summary>
    public static Tensor FromAttribution(Tensor attribution)
    {
        if (attribution.dim() != 4) throw new ArgumentException($"attribution must be [N,C,H,W], got [{string.Join(",", attribution.shape)}]");
        using var scope = torch.NewDisposeScope();
        var s = attribution.abs().sum(1);
        var total = s.sum([1, 2], keepdim: true).clamp_min(Tiny);
        return s.div(total).MoveToOuterDisposeScope();
    }
}
