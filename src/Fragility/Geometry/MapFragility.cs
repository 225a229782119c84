using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// The fragility of one model's explanations, measured as the attacks measure it (docs/method.md §3-4): each image is
/// attacked (random sign, top-k, mass-center...) with the given settings, and the returned image's saliency map on the
/// ReLU network is compared with the clean map. The geometry experiments use it to put fragility beside curvature,
/// Lipschitz constants and input size.
/// </summary>
public static class MapFragility
{
    /// <summary>Attacks every image of <paramref name="inputs"/> [N, C, H, W] in batches.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="inputs">Clean images, pixel scale.</param>
    /// <param name="attack">Attack name (see <see cref="AttackNames"/>; "targeted" is not offered here).</param>
    /// <param name="method">Explanation method whose maps are attacked.</param>
    /// <param name="settings">Epsilon, step, iterations, k, beta, seed.</param>
    /// <param name="batchSize">Images per attack batch.</param>
    /// <param name="progress">Receives "attack" updates (images done).</param>
    /// <param name="indexOffset">Added to batch positions to seed random draws (the images' indices in their data set
    /// when the caller has them in order).</param>
    /// <param name="cancellation">Stops between iterations.</param>
    /// <param name="images">Only these images (whole batches, see <see cref="BatchRange.Of"/>), attacked exactly as in
    /// the run over all images; null for all.</param>
    public static IReadOnlyList<MapFragilityRecord> Measure(Classifier model, Tensor inputs, string attack, IAttributionMethod method,
        AttackSettings settings, int batchSize = 16, IProgress<ProgressUpdate>? progress = null, int indexOffset = 0, CancellationToken cancellation = default,
        (int Start, int Count)? images = null)
    {
        if (batchSize < 1) throw new FragilityException($"--batch-size must be at least 1, got {batchSize}.");
        var p = model.Metadata.Preprocessing;
        int k = settings.ResolveK(p.Height, p.Width);
        var mapAttack = AttackFactory.Create(attack, model, method, settings);
        int n = (int)inputs.shape[0];
        var (first, end) = BatchRange.Of(n, batchSize, images);
        var records = new List<MapFragilityRecord>(end - first);
        var spearman = new SpearmanRankCorrelation();
        for (int start = first; start < end; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, n - start);
            using var scope = torch.NewDisposeScope();
            var batch = inputs.narrow(0, start, count);
            using var clean = CleanReference.Compute(model, method, batch);
            using var result = mapAttack.Run(clean, Enumerable.Range(indexOffset + start, count).ToArray(), cancellation);
            var topk = TopKIntersection.Batch(clean.Maps.flatten(1), result.PerturbedMaps.flatten(1), k);
            var c0 = CenterOfMassShift.CenterOfMass(clean.Maps.to(ScalarType.Float64));
            var c1 = CenterOfMassShift.CenterOfMass(result.PerturbedMaps.to(ScalarType.Float64));
            var shift = (c0 - c1).pow(2).sum(1).sqrt().cpu().data<double>().ToArray();
            var mapChange = (result.PerturbedMaps - clean.Maps).flatten(1).to(ScalarType.Float64).norm(1).cpu().data<double>().ToArray();
            var inputChange = (result.Perturbed - clean.Inputs).flatten(1).to(ScalarType.Float64).norm(1).cpu().data<double>().ToArray();
            var m0 = clean.Maps.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            var m1 = result.PerturbedMaps.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            int pixels = clean.Height * clean.Width;
            for (int i = 0; i < count; i++)
            {
                var outcome = result.Outcomes[i];
                double rho = spearman.Compare(m0.AsSpan(i * pixels, pixels), m1.AsSpan(i * pixels, pixels), clean.Height, clean.Width);
                records.Add(new MapFragilityRecord(start + i, topk[i], rho, shift[i],
                    inputChange[i] > 0 ? mapChange[i] / inputChange[i] : 0.0, outcome.LabelKept, outcome.Failed));
            }
            progress?.Report(new ProgressUpdate("attack", start + count - first, end - first));
        }
        return records;
    }
}
