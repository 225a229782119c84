using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// Centre-of-mass shift: the L2 distance, in pixels, between the saliency-weighted centroids of the two maps,
/// <c>|| C(S0) - C(S1) ||_2</c> with <c>C(S) = sum_p S_p (row_p, col_p) / sum_p S_p</c>, rows and columns
/// counted from 0 at the top-left pixel centre.
/// </summary>
/// <remarks>
/// <para>Source: Ghorbani, Abid and Zou, "Interpretation of Neural Networks is Fragile", AAAI 2019, §3 (the
/// metric of the mass-center attack). The centroids are exact real-valued means (not rounded to pixels).</para>
/// <para>Range: [0, sqrt((H-1)^2 + (W-1)^2)] pixels; 0 when the centroids coincide. A distance: lower means
/// more similar.</para>
/// <para>Constant map: a constant non-zero map has its centroid at the image centre ((H-1)/2, (W-1)/2). An
/// all-zero map has no mass; its centroid is defined as the same image centre, so the metric is defined for
/// every map. Negative values throw <see cref="ArgumentException"/>: a centroid of signed weights can lie
/// outside the image (maps are non-negative after post-processing).</para>
/// </remarks>
public sealed class CenterOfMassShift : IMapComparison
{
    /// <inheritdoc />
    public string Name => "center_shift";

    /// <inheritdoc />
    public bool HigherMeansMoreSimilar => false;

    /// <inheritdoc />
    public double Compare(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int height, int width)
    {
        MapChecks.Pair(clean, perturbed, height, width);
        var (r0, c0) = CenterOfMass(clean, height, width);
        var (r1, c1) = CenterOfMass(perturbed, height, width);
        return Math.Sqrt((r0 - r1) * (r0 - r1) + (c0 - c1) * (c0 - c1));
    }

    /// <summary>The shift of each row pair of two batches of maps [N, H, W]: the distance of their batched
    /// centroids (<see cref="CenterOfMass(Tensor)"/>) in float64.</summary>
    public double[] CompareRows(Tensor clean, Tensor perturbed)
    {
        using var scope = torch.NewDisposeScope();
        var c0 = CenterOfMass(clean.detach().to(ScalarType.Float64));
        var c1 = CenterOfMass(perturbed.detach().to(ScalarType.Float64));
        return (c0 - c1).pow(2).sum(1).sqrt().cpu().data<double>().ToArray();
    }

    /// <summary>
    /// The saliency-weighted centroid <c>sum_p S_p (row_p, col_p) / sum_p S_p</c> of a non-negative row-major
    /// map, in pixels (row 0 and column 0 at the top-left pixel), accumulated in float64. An all-zero map gives
    /// the image centre ((height-1)/2, (width-1)/2).
    /// </summary>
    public static (double Row, double Col) CenterOfMass(ReadOnlySpan<float> map, int height, int width)
    {
        MapChecks.Single(map, height, width);
        double total = 0, row = 0, col = 0;
        for (int r = 0, p = 0; r < height; r++)
            for (int c = 0; c < width; c++, p++)
            {
                double s = map[p];
                if (s < 0) throw new ArgumentException($"The map holds {s} at row {r}, column {c}; the centre of mass needs a non-negative map (take the absolute value first).");
                total += s; row += s * r; col += s * c;
            }
        if (total == 0) return ((height - 1) / 2.0, (width - 1) / 2.0);
        return (row / total, col / total);
    }

    /// <summary>
    /// Batched, differentiable centroids for the mass-center attack: <paramref name="maps"/> is [N, H, W]
    /// (non-negative, floating point, any device) and the result is [N, 2] holding (row, col) of each map in
    /// pixels, in the maps' dtype and on their device. Gradients flow to <paramref name="maps"/>. An all-zero
    /// map gives the image centre ((H-1)/2, (W-1)/2) with zero gradient (no NaN: the division uses a safe
    /// denominator where the mass is zero).
    /// </summary>
    public static Tensor CenterOfMass(Tensor maps)
    {
        if (maps.dim() != 3)
            throw new ArgumentException($"Batched centre of mass needs [N,H,W] maps, got [{string.Join(",", maps.shape)}].");
        if (!maps.is_floating_point())
            throw new ArgumentException($"Batched centre of mass needs floating-point maps, got {maps.dtype}.");
        long h = maps.shape[1], w = maps.shape[2];
        using var scope = torch.NewDisposeScope();
        var rows = torch.arange(h, dtype: maps.dtype, device: maps.device).view(1, h, 1);
        var cols = torch.arange(w, dtype: maps.dtype, device: maps.device).view(1, 1, w);
        var total = maps.sum([1L, 2L]);                                  // [N]
        var rowMoment = (maps * rows).sum([1L, 2L]);
        var colMoment = (maps * cols).sum([1L, 2L]);
        var hasMass = total.ne(0);
        var safeTotal = torch.where(hasMass, total, torch.ones_like(total));
        var centroid = torch.stack([rowMoment / safeTotal, colMoment / safeTotal], 1);   // [N,2]
        var centre = torch.tensor(new[] { (h - 1) / 2.0, (w - 1) / 2.0 }, dtype: maps.dtype, device: maps.device).expand_as(centroid);
        return torch.where(hasMass.unsqueeze(1), centroid, centre).MoveToOuterDisposeScope();
    }
}
