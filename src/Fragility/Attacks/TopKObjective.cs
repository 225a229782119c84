using Fragility.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// The top-k attack's objective (Ghorbani et al. 2019, §4): <c>D(x) = - sum_{p in B} S_p(x)</c>, B the k most
/// important pixels of each input's clean map (ties to the lower row-major index, as the top-k metric). Maximising D
/// pushes saliency mass out of the originally most important pixels. Range [-1, 0] for maps that sum to 1.
/// </summary>
public sealed class TopKObjective : IDissimilarityObjective
{
    private readonly Tensor _mask;

    /// <summary>Binds the objective to a batch of clean maps [N, H, W]; k in [1, H*W].</summary>
    public TopKObjective(Tensor cleanMaps, int k)
    {
        if (cleanMaps.dim() != 3) throw new ArgumentException($"clean maps must be [N,H,W], got [{string.Join(",", cleanMaps.shape)}]");
        long pixels = cleanMaps.shape[1] * cleanMaps.shape[2];
        if (k < 1 || k > pixels)
            throw new FragilityException($"--k must be in [1, {pixels}] (the pixel count of {cleanMaps.shape[1]}x{cleanMaps.shape[2]} maps), got {k}.");
        K = k;
        using var scope = torch.NewDisposeScope();
        _mask = TopKIntersection.TopKMask(cleanMaps.detach().flatten(1), k).reshape(cleanMaps.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Number of pixels in B.</summary>
    public int K { get; }

    /// <summary>The set B of each input as a boolean mask [N, H, W].</summary>
    public Tensor Mask => _mask;

    /// <inheritdoc />
    public string Name => AttackNames.TopK;

    /// <inheritdoc />
    public Tensor Evaluate(Tensor maps)
    {
        using var scope = torch.NewDisposeScope();
        return maps.mul(_mask.to(maps.dtype)).sum([1L, 2L]).neg().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _mask.Dispose();
}
