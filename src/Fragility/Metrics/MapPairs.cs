using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>The three robustness metrics of the paper for each pair of maps of two batches [N, H, W].</summary>
internal static class MapPairs
{
    /// <summary>metric(a[i], b[i]) for each i.</summary>
    public static double[] Compare(IMapComparison metric, Tensor a, Tensor b)
    {
        int n = (int)a.shape[0], h = (int)a.shape[1], w = (int)a.shape[2], p = h * w;
        var x = a.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var y = b.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = metric.Compare(x.AsSpan(i * p, p), y.AsSpan(i * p, p), h, w);
        return result;
    }

    /// <summary>Top-k intersection, Spearman and centre shift (pixels) of each pair.</summary>
    public static (double[] TopK, double[] Spearman, double[] Shift) All(Tensor clean, Tensor perturbed, int k)
    {
        using var scope = torch.NewDisposeScope();
        var topk = TopKIntersection.Batch(clean.detach().flatten(1), perturbed.detach().flatten(1), k);
        var spearman = Compare(new SpearmanRankCorrelation(), clean, perturbed);
        var c0 = CenterOfMassShift.CenterOfMass(clean.detach().to(ScalarType.Float64));
        var c1 = CenterOfMassShift.CenterOfMass(perturbed.detach().to(ScalarType.Float64));
        var shift = (c0 - c1).pow(2).sum(1).sqrt().cpu().data<double>().ToArray();
        return (topk, spearman, shift);
    }
}
