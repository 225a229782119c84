using MathNet.Numerics.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// Batched map comparisons the attack loop needs every step. Temporary: the same definitions as Fragility.Metrics
/// (top-k with ties to the lower index, average-rank Spearman, exact centroids), to be replaced by those once merged.
/// </summary>
internal static class MapMath
{
    /// <summary>The metrics' default k: 100 for 32x32, 1000 for 224/227 squares, else 10% (&lt;= 4096 px) or 2% of the pixels.</summary>
    public static int DefaultK(int height, int width)
    {
        if (height == 32 && width == 32) return 100;
        if ((height == 224 && width == 224) || (height == 227 && width == 227)) return 1000;
        long pixels = (long)height * width;
        double fraction = pixels <= 64 * 64 ? 0.10 : 0.02;
        return (int)Math.Max(1, Math.Floor(pixels * fraction));
    }

    /// <summary>Boolean [N, P] mask of the k largest values per row, ties to the lower index.</summary>
    public static Tensor TopKMask(Tensor maps, int k)
    {
        using var scope = torch.NewDisposeScope();
        var m = maps.detach();
        var kth = m.topk(k, dim: 1).values.narrow(1, k - 1, 1);
        var above = m.gt(kth);
        var tied = m.eq(kth);
        var room = above.sum(1, keepdim: true, type: ScalarType.Int64).neg().add(k);
        var firstTied = tied.logical_and(tied.cumsum(1, type: ScalarType.Int64).le(room));
        return above.logical_or(firstTied).MoveToOuterDisposeScope();
    }

    /// <summary>Top-k intersection of each row pair of two [N, P] tensors.</summary>
    public static double[] TopKIntersection(Tensor clean, Tensor perturbed, int k)
    {
        using var scope = torch.NewDisposeScope();
        var common = TopKMask(clean, k).logical_and(TopKMask(perturbed, k)).sum(1, type: ScalarType.Int64).cpu();
        return common.data<long>().Select(c => (double)c / k).ToArray();
    }

    /// <summary>Differentiable centroids [N, 2] (row, col) of non-negative maps [N, H, W]; the image centre for an all-zero map.</summary>
    public static Tensor CenterOfMass(Tensor maps)
    {
        long h = maps.shape[1], w = maps.shape[2];
        using var scope = torch.NewDisposeScope();
        var rows = torch.arange(h, dtype: maps.dtype, device: maps.device).view(1, h, 1);
        var cols = torch.arange(w, dtype: maps.dtype, device: maps.device).view(1, 1, w);
        var total = maps.sum([1L, 2L]);
        var hasMass = total.ne(0);
        var safeTotal = torch.where(hasMass, total, torch.ones_like(total));
        var centroid = torch.stack([(maps * rows).sum([1L, 2L]) / safeTotal, (maps * cols).sum([1L, 2L]) / safeTotal], 1);
        var centre = torch.tensor(new[] { (h - 1) / 2.0, (w - 1) / 2.0 }, dtype: maps.dtype, device: maps.device).expand_as(centroid);
        return torch.where(hasMass.unsqueeze(1), centroid, centre).MoveToOuterDisposeScope();
    }

    /// <summary>Centre-of-mass shift in pixels of each pair of [N, H, W] maps.</summary>
    public static double[] CenterShift(Tensor clean, Tensor perturbed)
    {
        using var scope = torch.NewDisposeScope();
        var d = (CenterOfMass(clean.detach().to(ScalarType.Float64)) - CenterOfMass(perturbed.detach().to(ScalarType.Float64)))
            .pow(2).sum(1).sqrt().cpu();
        return d.data<double>().ToArray();
    }

    /// <summary>Spearman rank correlation (average ranks for ties) of each row pair of two [N, P] tensors; 1 when both
    /// rows are constant, 0 when exactly one is.</summary>
    public static double[] Spearman(Tensor clean, Tensor perturbed)
    {
        var a = Rows(clean);
        var b = Rows(perturbed);
        var result = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            bool ca = a[i].All(v => v == a[i][0]), cb = b[i].All(v => v == b[i][0]);
            result[i] = ca && cb ? 1.0 : ca || cb ? 0.0 : Math.Clamp(Correlation.Spearman(a[i], b[i]), -1.0, 1.0);
        }
        return result;
    }

    private static double[][] Rows(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var flat = t.detach().reshape(t.shape[0], -1).to(ScalarType.Float64).cpu().contiguous();
        int n = (int)flat.shape[0], p = (int)flat.shape[1];
        var all = flat.data<double>().ToArray();
        return Enumerable.Range(0, n).Select(i => all.AsSpan(i * p, p).ToArray()).ToArray();
    }
}
