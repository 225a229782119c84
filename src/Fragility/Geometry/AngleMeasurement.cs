using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// The paper's orthogonality measurement (docs/method.md §6): on the softplus(beta) twin of a model, per image, the angle
/// between the direction that changes the prediction most, <c>grad_x score_y</c>, and the directions that change the
/// explanation most: <c>grad_x D</c> for the top-k and mass-center objectives (D bound to the clean simple-gradient map
/// of the ReLU network, as the attacks use it) and the dominant eigenvector of the input Hessian of score_y (Lanczos on
/// Hessian-vector products). Angles near 90 degrees mean the explanation can move while the score, and so the label,
/// stays.
/// </summary>
public static class AngleMeasurement
{
    /// <summary>Measures every image of <paramref name="inputs"/> [N, C, H, W] in batches.</summary>
    /// <param name="model">The classifier (its activation mode is restored).</param>
    /// <param name="inputs">Clean images, pixel scale.</param>
    /// <param name="settings">Beta of the twin and k of the top-k objective (other fields unused).</param>
    /// <param name="lanczosSteps">Lanczos steps (Hessian-vector products) per image for the dominant eigenvector (default 20).</param>
    /// <param name="batchSize">Images per batch (default 32).</param>
    /// <param name="seed">Seed of the Lanczos start vectors.</param>
    /// <param name="progress">Receives "angles" updates (images done).</param>
    /// <param name="cancellation">Stops between batches.</param>
    /// <param name="images">Only these images (whole batches: positions [Start, Start + Count), Start a multiple of
    /// <paramref name="batchSize"/>), measured exactly as in the run over all images (the start vectors of the batches
    /// before are drawn and dropped); null for all.</param>
    public static IReadOnlyList<AngleRecord> Measure(Classifier model, Tensor inputs, AttackSettings settings, int lanczosSteps = 20,
        int batchSize = 32, int seed = 0, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default, (int Start, int Count)? images = null)
    {
        if (batchSize < 1) throw new FragilityException($"--batch-size must be at least 1, got {batchSize}.");
        if (lanczosSteps < 1) throw new FragilityException($"--lanczos-steps must be at least 1, got {lanczosSteps}.");
        var p = model.Metadata.Preprocessing;
        settings.Validate(p.Height, p.Width);
        var method = new SimpleGradient();
        var attack = FragilityAttack.TopK(model, method, settings);
        int k = settings.ResolveK(p.Height, p.Width);
        int n = (int)inputs.shape[0];
        var (first, end) = BatchRange.Of(n, batchSize, images);
        var records = new List<AngleRecord>(end - first);
        using var generator = new torch.Generator((ulong)seed, torch.CPU);
        for (int start = 0; start < end; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, n - start);
            using var scope = torch.NewDisposeScope();
            var x = inputs.narrow(0, start, count);
            if (start < first)
            {
                // Another process's batch: its start vectors are drawn so this batch's are the single run's.
                Lanczos.StartVectors(generator, count, x[0].numel(), ScalarType.Float64, torch.CPU).Dispose();
                continue;
            }
            using var clean = CleanReference.Compute(model, method, x);
            Tensor topkDirection, massDirection;
            using (var topk = new TopKObjective(clean.Maps, k)) topkDirection = attack.ObjectiveGradient(x, clean.LabelTensor, topk).flatten(1);
            using (var mass = new MassCenterObjective(clean.Maps)) massDirection = attack.ObjectiveGradient(x, clean.LabelTensor, mass).flatten(1);
            Tensor score;
            LanczosResult spectrum;
            using (model.UseSoftplus(settings.Beta))
            using (var hessian = new InputHessian(model, x, clean.LabelTensor))
            {
                score = hessian.Gradient.flatten(1).clone();
                var startVectors = Lanczos.StartVectors(generator, score.shape[0], score.shape[1], score.dtype, score.device);
                spectrum = Lanczos.Run(hessian, startVectors, lanczosSteps, 1);
            }
            using (spectrum)
            {
                var norms = score.to(ScalarType.Float64).norm(1).cpu().data<double>().ToArray();
                var topkAngle = Angles(score, topkDirection, acute: false);
                var massAngle = Angles(score, massDirection, acute: false);
                var eigenAngle = Angles(score, spectrum.DominantVectors, acute: true);
                var topkEigen = Angles(topkDirection, spectrum.DominantVectors, acute: true);
                for (int i = 0; i < count; i++)
                    records.Add(new AngleRecord(start + i, clean.Labels[i], norms[i], topkAngle[i], massAngle[i], eigenAngle[i], spectrum.Dominant[i], topkEigen[i]));
            }
            progress?.Report(new ProgressUpdate("angles", start + count - first, end - first));
        }
        return records;
    }

    /// <summary>Row-wise angles in degrees between <paramref name="a"/> and <paramref name="b"/> ([N, D]), computed in
    /// float64: in [0, 180], or in [0, 90] between lines when <paramref name="acute"/>; NaN when a row is zero.</summary>
    public static double[] Angles(Tensor a, Tensor b, bool acute)
    {
        using var scope = torch.NewDisposeScope();
        var x = a.detach().flatten(1).to(ScalarType.Float64);
        var y = b.detach().flatten(1).to(ScalarType.Float64);
        var dot = (x * y).sum(1).cpu().data<double>().ToArray();
        var nx = x.norm(1).cpu().data<double>().ToArray();
        var ny = y.norm(1).cpu().data<double>().ToArray();
        var result = new double[dot.Length];
        for (int i = 0; i < dot.Length; i++)
        {
            if (nx[i] == 0 || ny[i] == 0) { result[i] = double.NaN; continue; }
            double cos = Math.Clamp(dot[i] / (nx[i] * ny[i]), -1.0, 1.0);
            if (acute) cos = Math.Abs(cos);
            result[i] = Math.Acos(cos) * 180.0 / Math.PI;
        }
        return result;
    }
}
