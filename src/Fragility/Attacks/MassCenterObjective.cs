using Fragility.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// The mass-center attack's objective (Ghorbani et al. 2019, §4): <c>D(x) = || C(x) - C(x0) ||_2</c>, the distance
/// in pixels between the exact saliency-weighted centroid <c>C = sum_p S_p (row_p, col_p) / sum_p S_p</c> of the
/// map at x and that of the clean map.
/// </summary>
/// <remarks>
/// The distance is not differentiable where it is zero (at the clean input when the attack differentiates the
/// same network that made the clean map, e.g. DeepLIFT). Below <see cref="Tiny"/> pixels D is therefore replaced by
/// the displacement along the unit diagonal, <c>(C(x) - C(x0)) . (1, 1) / sqrt 2</c>, which agrees with the distance
/// in value (both about 0) and gives the attack a direction to leave the clean input.
/// </remarks>
public sealed class MassCenterObjective : IDissimilarityObjective
{
    /// <summary>Distance in pixels below which the directional form is used.</summary>
    public const double Tiny = 1e-6;

    private readonly Tensor _cleanCentroids;

    /// <summary>Binds the objective to a batch of clean maps [N, H, W].</summary>
    public MassCenterObjective(Tensor cleanMaps)
    {
        if (cleanMaps.dim() != 3) throw new ArgumentException($"clean maps must be [N,H,W], got [{string.Join(",", cleanMaps.shape)}]");
        using var scope = torch.NewDisposeScope();
        _cleanCentroids = CenterOfMassShift.CenterOfMass(cleanMaps.detach()).MoveToOuterDisposeScope();
    }

    /// <summary>C(x0) of each input, [N, 2] (row, col) in pixels.</summary>
    public Tensor CleanCentroids => _cleanCentroids;

    /// <inheritdoc />
    public string Name => AttackNames.MassCenter;

    /// <inheritdoc />
    public Tensor Evaluate(Tensor maps)
    {
        using var scope = torch.NewDisposeScope();
        var diff = CenterOfMassShift.CenterOfMass(maps) - _cleanCentroids.to(maps.dtype);
        var squared = diff.pow(2).sum(1);
        var far = squared.detach().gt(Tiny * Tiny);
        // sqrt of a safe argument: where() alone would still send NaN gradients through the unused branch.
        var distance = torch.where(far, squared, torch.ones_like(squared)).sqrt();
        var along = diff.sum(1).div(Math.Sqrt(2.0));
        return torch.where(far, distance, along).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _cleanCentroids.Dispose();
}
