using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// Top-k intersection: the fraction of the k most important pixels of the clean map that are also among the
/// k most important pixels of the perturbed map, <c>|topk(S0) ∩ topk(S1)| / k</c>.
/// </summary>
/// <remarks>
/// <para>Source: Ghorbani, Abid and Zou, "Interpretation of Neural Networks is Fragile", AAAI 2019, §3 (the
/// paper's main metric; k = 1000 on 227x227 ImageNet maps, k = 100 on 32x32 CIFAR-10 maps).</para>
/// <para>Range: [0, 1]; 1 when the two top-k sets coincide. Higher means more similar.</para>
/// <para>Ties: topk(S) is the first k pixels when pixels are ordered by decreasing value and, among equal
/// values, by increasing flat index (row-major), so pixels tied at the k-th value are taken from the top-left
/// first. The result is therefore deterministic even when many pixels share the boundary value.</para>
/// <para>Constant map: every pixel ties, so its top-k set is the first k pixels in row-major order. Two
/// constant maps give 1; a constant map against a map whose k largest pixels lie elsewhere gives a low value.
/// No special case is needed: the metric is defined for every map.</para>
/// <para>Errors: k larger than the pixel count throws <see cref="FragilityException"/> (checked in
/// <see cref="Compare"/> and <see cref="Batch"/>, where the size is known).</para>
/// </remarks>
public sealed class TopKIntersection : IMapComparison
{
    /// <summary>Creates the metric for a given k.</summary>
    /// <param name="k">Number of top pixels compared (positive). Use <see cref="DefaultK"/> to choose it from the map size.</param>
    public TopKIntersection(int k)
    {
        if (k <= 0) throw new FragilityException($"Top-k intersection needs k >= 1, got k = {k}. Pass a positive k (e.g. the paper's 100 for 32x32 maps).");
        K = k;
    }

    /// <summary>Number of top pixels compared.</summary>
    public int K { get; }

    /// <inheritdoc />
    public string Name => "topk";

    /// <inheritdoc />
    public bool HigherMeansMoreSimilar => true;

    /// <summary>
    /// Default k for a map of <paramref name="height"/> x <paramref name="width"/> pixels, following the paper:
    /// 100 for 32x32 (CIFAR-10) and 1000 for 224x224 or 227x227 (ImageNet). Other sizes: 10% of the pixel count
    /// (rounded down) for small maps of at most 64*64 = 4096 pixels, 2% for larger ones (the paper's 1000 of
    /// 51529 pixels is 1.9%, its 100 of 1024 is 9.8%); never less than 1.
    /// Examples: 28x28 (Fashion-MNIST, 784 pixels) gives 78; 64x64 gives 409; 96x96 gives 184; 512x512 gives 5242.
    /// Always report the k used.
    /// </summary>
    public static int DefaultK(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"Map size {height}x{width} is not valid: height and width must be positive.");
        if (height == 32 && width == 32) return 100;
        if ((height == 224 && width == 224) || (height == 227 && width == 227)) return 1000;
        long pixels = (long)height * width;
        double fraction = pixels <= 64 * 64 ? 0.10 : 0.02;
        return (int)Math.Max(1, Math.Floor(pixels * fraction));
    }

    /// <inheritdoc />
    public double Compare(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int height, int width)
    {
        MapChecks.Pair(clean, perturbed, height, width);
        CheckK(K, clean.Length);
        var inTop0 = new bool[clean.Length];
        foreach (int p in TopIndices(clean, K)) inTop0[p] = true;
        int common = 0;
        foreach (int p in TopIndices(perturbed, K)) if (inTop0[p]) common++;
        return (double)common / K;
    }

    /// <summary>Top-k intersection of each row pair of two batches of maps [N, H, W], by <see cref="Batch"/>.</summary>
    public double[] CompareRows(Tensor clean, Tensor perturbed)
    {
        using var scope = torch.NewDisposeScope();
        return Batch(clean.detach().flatten(1), perturbed.detach().flatten(1), K);
    }

    /// <summary>
    /// The flat indices of the k largest values of <paramref name="map"/>, ties broken by lower index (the
    /// order that defines topk(S) for this metric), in that order.
    /// </summary>
    public static int[] TopIndices(ReadOnlySpan<float> map, int k)
    {
        CheckK(k, map.Length);
        var values = map.ToArray();
        var order = new int[values.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        // A comparison sort keyed on (value desc, index asc) is a total order, so the unstable Array.Sort is exact.
        Array.Sort(order, (a, b) =>
        {
            int c = values[b].CompareTo(values[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order[..k];
    }

    /// <summary>
    /// Top-k intersection of each row pair, for attack loops: <paramref name="clean"/> and
    /// <paramref name="perturbed"/> are [N, P] tensors (P = H*W flattened maps, any floating dtype, any device),
    /// and the result holds N values in [0, 1]. Same definition and the same tie rule as <see cref="Compare"/>
    /// (see <see cref="TopKMask"/>), so it agrees with it exactly.
    /// </summary>
    public static double[] Batch(Tensor clean, Tensor perturbed, int k)
    {
        if (clean.dim() != 2 || !clean.shape.SequenceEqual(perturbed.shape))
            throw new ArgumentException($"Batched top-k needs two [N,P] tensors of the same shape, got [{string.Join(",", clean.shape)}] and [{string.Join(",", perturbed.shape)}].");
        using var scope = torch.NewDisposeScope();
        var common = TopKMask(clean, k).logical_and(TopKMask(perturbed, k)).sum(1, type: ScalarType.Int64).cpu();
        return common.cpu().data<long>().Select(c => (double)c / k).ToArray();
    }

    /// <summary>
    /// Boolean mask [N, P] of the top-k pixels of each row of <paramref name="maps"/> ([N, P]), ties broken by
    /// lower index exactly as in <see cref="TopIndices"/>. This is the set B of the paper's top-k attack.
    /// </summary>
    /// <remarks>
    /// torch.topk does not specify which of several tied elements it returns, so it is used only to find
    /// the k-th largest value v of each row; the mask then takes every pixel above v and, among the pixels equal
    /// to v, the first ones in index order (a cumulative count) until k are taken. The result does not depend on
    /// torch's tie order, and costs O(P) per row beyond topk. The mask is not differentiable (boolean).
    /// </remarks>
    public static Tensor TopKMask(Tensor maps, int k)
    {
        if (maps.dim() != 2)
            throw new ArgumentException($"Top-k mask needs an [N,P] tensor of flattened maps, got [{string.Join(",", maps.shape)}].");
        if (!maps.is_floating_point())
            throw new ArgumentException($"Top-k mask needs floating-point maps, got {maps.dtype}.");
        CheckK(k, maps.shape[1]);
        using var scope = torch.NewDisposeScope();
        var m = maps.detach();
        if (m.isnan().any().item<bool>())
            throw new ArgumentException("The maps hold NaN; maps must be finite (check the explanation that produced them).");
        var kth = m.topk(k, dim: 1).values.narrow(1, k - 1, 1);          // [N,1], the k-th largest value
        var above = m.gt(kth);
        var tied = m.eq(kth);
        var room = above.sum(1, keepdim: true, type: ScalarType.Int64).neg().add(k);   // tied pixels still to take
        var firstTied = tied.logical_and(tied.cumsum(1, type: ScalarType.Int64).le(room));
        return above.logical_or(firstTied).MoveToOuterDisposeScope();
    }

    private static void CheckK(long k, long pixels)
    {
        if (k <= 0) throw new FragilityException($"Top-k intersection needs k >= 1, got k = {k}. Pass a positive k.");
        if (k > pixels)
            throw new FragilityException($"Top-k intersection with k = {k} is larger than the map's H*W = {pixels} pixels. Choose k <= {pixels} (TopKIntersection.DefaultK gives a size-appropriate k).");
    }
}
