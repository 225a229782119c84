using Fragility.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>Applies a map metric to each row pair of two batches of maps [N, H, W] (clean, perturbed).</summary>
internal static class MapRows
{
    /// <summary>metric(clean[i], perturbed[i]) for each i; top-k and the centre shift use their batched tensor forms.</summary>
    public static double[] Compare(IMapComparison metric, Tensor clean, Tensor perturbed)
    {
        using var scope = torch.NewDisposeScope();
        switch (metric)
        {
            case TopKIntersection topk:
                return TopKIntersection.Batch(clean.detach().flatten(1), perturbed.detach().flatten(1), topk.K);
            case CenterOfMassShift:
                var c0 = CenterOfMassShift.CenterOfMass(clean.detach().to(ScalarType.Float64));
                var c1 = CenterOfMassShift.CenterOfMass(perturbed.detach().to(ScalarType.Float64));
                return (c0 - c1).pow(2).sum(1).sqrt().cpu().data<double>().ToArray();
        }
        int n = (int)clean.shape[0], h = (int)clean.shape[1], w = (int)clean.shape[2];
        var a = clean.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var b = perturbed.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        int p = h * w;
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = metric.Compare(a.AsSpan(i * p, p), b.AsSpan(i * p, p), h, w);
        return result;
    }

    /// <summary>The metric that implements an attack criterion (k for top-k).</summary>
    public static IMapComparison For(AttackCriterion criterion, int k) => criterion switch
    {
        AttackCriterion.TopK => new TopKIntersection(k),
        AttackCriterion.Spearman => new SpearmanRankCorrelation(),
        AttackCriterion.CenterShift => new CenterOfMassShift(),
        _ => throw new ArgumentOutOfRangeException(nameof(criterion)),
    };
}
