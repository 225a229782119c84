using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// Deletion and insertion curves (Petsiuk, Das and Saenko 2018, "RISE: randomized input sampling for explanation of
/// black-box models", BMVC), faithfulness measures that do not reward a map which ignores the model. Pixels are
/// ranked by the map (most important first; ties to the lower row-major index, as top-k intersection). At step
/// t = 0..T the first round(t P / T) pixels of the ranking (P = H*W, all channels of a pixel together) are
/// <list type="bullet">
/// <item>deleted: replaced by the deletion baseline (default black, as RISE), starting from the image;</item>
/// <item>inserted: copied from the image into the insertion baseline (default a blur of the image, as RISE).</item>
/// </list>
/// The curve is the model's softmax probability of the explained class at each step, and its area is the
/// trapezoid rule over the fraction of pixels in [0, 1]. Deletion AUC: lower is more faithful (the probability
/// falls fast when the pixels the map calls important go); insertion AUC: higher is more faithful. Both are in [0, 1].
/// </summary>
public static class DeletionInsertion
{
    /// <summary>Probabilities [N, T+1] of <paramref name="labels"/> along the deletion (or insertion) path of
    /// <paramref name="inputs"/> [N, C, H, W] ranked by <paramref name="maps"/> [N, H, W], on the model in whatever
    /// activation mode the caller set.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="inputs">Pixel-scale images.</param>
    /// <param name="maps">Saliency maps (any non-negative importance; only their order matters).</param>
    /// <param name="labels">Explained class per image.</param>
    /// <param name="baseline">What deleted pixels become, or what insertion starts from.</param>
    /// <param name="steps">T, the number of steps (at least 1).</param>
    /// <param name="insertion">True for the insertion path, false for deletion.</param>
    public static double[,] Curve(Classifier model, Tensor inputs, Tensor maps, IReadOnlyList<long> labels, IReference baseline, int steps, bool insertion)
    {
        Check(inputs, maps, labels, steps);
        long n = inputs.shape[0], h = inputs.shape[2], w = inputs.shape[3], pixels = h * w;
        var curve = new double[n, steps + 1];
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = inputs.detach();
        var b = baseline.For(x).detach();
        // rank[p] = position of pixel p in the ranking (0 = most important); a stable descending sort keeps lower indices first among ties.
        var order = maps.detach().reshape(n, pixels).to(ScalarType.Float64).sort(dim: 1, descending: true, stable: true).Indices;
        var rank = torch.empty_like(order).scatter_(1, order, torch.arange(pixels, dtype: ScalarType.Int64, device: order.device).expand(n, pixels).contiguous());
        var target = torch.tensor(labels.ToArray(), dtype: ScalarType.Int64, device: x.device);
        for (int t = 0; t <= steps; t++)
        {
            using var stepScope = torch.NewDisposeScope();
            long count = (long)Math.Round((double)t * pixels / steps);
            var chosen = rank.lt(count).reshape(n, 1, h, w).to(x.dtype);     // 1 on the first `count` pixels
            var image = insertion ? b + chosen * (x - b) : x + chosen * (b - x);
            var probability = nn.functional.softmax(model.forward(image), 1).gather(1, target.reshape(-1, 1)).reshape(-1);
            var values = probability.to(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int i = 0; i < n; i++) curve[i, t] = values[i];
        }
        return curve;
    }

    /// <summary>Area under each row of a curve from <see cref="Curve"/>: the trapezoid rule over the pixel fraction
    /// round(t P / T) / P, t = 0..T.</summary>
    /// <param name="curve">Probabilities [N, T+1].</param>
    /// <param name="pixels">P, the number of pixels of a map.</param>
    public static double[] Area(double[,] curve, long pixels)
    {
        int n = curve.GetLength(0), points = curve.GetLength(1), steps = points - 1;
        var fractions = Enumerable.Range(0, points).Select(t => Math.Round((double)t * pixels / steps) / pixels).ToArray();
        var area = new double[n];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < steps; t++)
                area[i] += (fractions[t + 1] - fractions[t]) * (curve[i, t] + curve[i, t + 1]) / 2;
        return area;
    }

    /// <summary>Deletion and insertion AUC of each image (see the class summary).</summary>
    /// <param name="model">The classifier (the caller sets its activation mode; the ReLU network for evaluation).</param>
    /// <param name="inputs">Pixel-scale images [N, C, H, W].</param>
    /// <param name="maps">Saliency maps [N, H, W].</param>
    /// <param name="labels">Explained class per image.</param>
    /// <param name="deletionBaseline">What deleted pixels become (default <see cref="ZeroReference"/>).</param>
    /// <param name="insertionBaseline">What insertion starts from (default a blur of the image with sigma 2 pixels).</param>
    /// <param name="steps">T, steps of each path (default 28).</param>
    public static (double[] Deletion, double[] Insertion) Auc(Classifier model, Tensor inputs, Tensor maps, IReadOnlyList<long> labels,
        IReference? deletionBaseline = null, IReference? insertionBaseline = null, int steps = 28)
    {
        long pixels = inputs.shape[2] * inputs.shape[3];
        var deletion = Area(Curve(model, inputs, maps, labels, deletionBaseline ?? ZeroReference.Instance, steps, insertion: false), pixels);
        var insertion = Area(Curve(model, inputs, maps, labels, insertionBaseline ?? new BlurredReference(2.0), steps, insertion: true), pixels);
        return (deletion, insertion);
    }

    private static void Check(Tensor inputs, Tensor maps, IReadOnlyList<long> labels, int steps)
    {
        if (inputs.dim() != 4) throw new ArgumentException($"inputs must be [N,C,H,W], got [{string.Join(",", inputs.shape)}]");
        if (maps.dim() != 3 || maps.shape[0] != inputs.shape[0] || maps.shape[1] != inputs.shape[2] || maps.shape[2] != inputs.shape[3])
            throw new ArgumentException($"maps must be [N,H,W] matching the inputs, got [{string.Join(",", maps.shape)}]");
        if (labels.Count != inputs.shape[0]) throw new ArgumentException($"{labels.Count} labels for {inputs.shape[0]} inputs");
        if (steps < 1) throw new FragilityException($"Deletion and insertion curves need at least 1 step, got {steps}.");
    }
}
