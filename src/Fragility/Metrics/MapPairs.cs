using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>Map metrics for each pair of maps of two batches [N, H, W].</summary>
internal static class MapPairs
{
    /// <summary>metric(a[i], b[i]) for each i, by <see cref="IMapComparison.Compare"/> on the CPU copies (the default
    /// of <see cref="IMapComparison.CompareRows"/>).</summary>
    public static double[] Compare(IMapComparison metric, Tensor a, Tensor b)
    {
        if (a.dim() != 3 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"maps must be two [N,H,W] tensors of the same shape, got [{string.Join(",", a.shape)}] and [{string.Join(",", b.shape)}]");
        int n = (int)a.shape[0], h = (int)a.shape[1], w = (int)a.shape[2], p = h * w;
        using var scope = torch.NewDisposeScope();
        var x = a.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var y = b.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = metric.Compare(x.AsSpan(i * p, p), y.AsSpan(i * p, p), h, w);
        return result;
    }

    /// <summary>Top-k intersection, Spearman and centre shift (pixels) of each pair.</summary>
    public static (double[] TopK, double[] Spearman, double[] Shift) All(Tensor clean, Tensor perturbed, int k) =>
        (new TopKIntersection(k).CompareRows(clean, perturbed), Compare(new SpearmanRankCorrelation(), clean, perturbed),
            new CenterOfMassShift().CompareRows(clean, perturbed));
}
