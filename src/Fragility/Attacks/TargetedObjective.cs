using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// The targeted attack's objective (Ghorbani et al. 2019, §4): <c>D(x) = sum_{p in T} S_p(x)</c>, the saliency mass
/// inside a target region T. Maximising D moves importance into T. Range [0, 1] for maps that sum to 1.
/// </summary>
public sealed class TargetedObjective : IDissimilarityObjective
{
    private readonly Tensor _mask;

    /// <summary>Creates the objective for a boolean or 0/1 mask [H, W] (the same T for every input) or [N, H, W].</summary>
    public TargetedObjective(Tensor mask)
    {
        if (mask.dim() is not (2 or 3)) throw new ArgumentException($"target mask must be [H,W] or [N,H,W], got [{string.Join(",", mask.shape)}]");
        using var scope = torch.NewDisposeScope();
        var m = mask.detach().ne(0);
        if (!m.any().item<bool>())
            throw new FragilityException("The target region is empty: give --target-region row0,col0,row1,col1 with row0 < row1 and col0 < col1, or a mask PNG with some non-zero pixels.");
        _mask = (m.dim() == 2 ? m.unsqueeze(0) : m).MoveToOuterDisposeScope();
    }

    /// <summary>The region T as a boolean mask [1 or N, H, W].</summary>
    public Tensor Mask => _mask;

    /// <inheritdoc />
    public string Name => AttackNames.Targeted;

    /// <inheritdoc />
    public Tensor Evaluate(Tensor maps)
    {
        if (maps.shape[1] != _mask.shape[1] || maps.shape[2] != _mask.shape[2])
            throw new FragilityException($"The target mask is {_mask.shape[1]}x{_mask.shape[2]} but the maps are {maps.shape[1]}x{maps.shape[2]}: give a mask of the model's input size.");
        using var scope = torch.NewDisposeScope();
        return maps.mul(_mask.to(maps.dtype)).sum([1L, 2L]).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _mask.Dispose();
}
