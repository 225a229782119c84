using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Runtime;
using MathNet.Numerics.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// The input-Hessian spectrum and its relation to fragility: per image and per softplus beta, the largest eigenvalues of
/// <c>d^2 score_y / dx^2</c> by <see cref="Lanczos"/> on Hessian-vector products (<see cref="InputHessian"/>); then the
/// top-k attack on the simple-gradient map (gradient on the twin with the attack's beta), and over images the Spearman
/// correlation between the dominant eigenvalue |lambda| (and the relative curvature |lambda| / ||grad score_y||, the
/// quantity that sets the map's relative change, docs/method.md §6) and how far the attack moved the map
/// (1 - top-k intersection, 1 - Spearman). <see cref="Measure"/> gives the numbers; <see cref="SpectrumWriter"/> writes
/// <c>spectrum.csv</c> (per beta: eigenvalue statistics and correlations), <c>per-image/spectrum.csv</c>,
/// <c>spectrum.png</c> and <c>section.json</c>.
/// </summary>
public static class SpectrumExperiment
{
    /// <summary>Measures the spectra and the attack.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="inputs">Images.</param>
    /// <param name="betas">Softplus betas of the twin whose spectra are measured (the attack's beta, from
    /// <paramref name="settings"/>, is added when missing).</param>
    /// <param name="settings">The top-k attack's settings; the seed draws the Lanczos start vectors.</param>
    /// <param name="modelName">Model name for the texts.</param>
    /// <param name="lanczosSteps">Lanczos steps per image.</param>
    /// <param name="eigenvalues">How many of the largest eigenvalues to keep per image.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives "spectrum" and "attack" updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static SpectrumResult Measure(Classifier model, SelectedInputs inputs, IReadOnlyList<double> betas, AttackSettings settings, string modelName,
        int lanczosSteps = 30, int eigenvalues = 5, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        Combine(inputs, betas, settings, modelName, lanczosSteps,
            [MeasureImages(model, inputs, betas, settings, lanczosSteps, eigenvalues, batchSize, null, progress, cancellation)]);

    /// <summary>The spectra and the attack of the images <paramref name="images"/> only (whole batches; null: all), as
    /// the run over all images measures them: one process's part of a study split over processes. The Lanczos start
    /// vectors of the batches before are drawn and dropped, so each batch gets the single run's.</summary>
    public static SpectrumPart MeasureImages(Classifier model, SelectedInputs inputs, IReadOnlyList<double> betas, AttackSettings settings,
        int lanczosSteps, int eigenvalues, int batchSize, (int Start, int Count)? images, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var allBetas = AllBetas(betas, settings);
        var x0 = inputs.Images.Images;
        int n = inputs.Count;
        var (first, end) = BatchRange.Of(n, batchSize, images);
        var spectra = new List<SpectrumImage>();
        int done = 0, total = (end - first) * allBetas.Length;
        progress?.Report(new ProgressUpdate("attack", 0, end - first));   // announced, so that the whole work is known from the start
        foreach (double beta in allBetas)
        {
            using var generator = new torch.Generator((ulong)settings.Seed, torch.CPU);
            for (int start = 0; start < end; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, n - start);
                using var scope = torch.NewDisposeScope();
                var x = x0.narrow(0, start, count);
                if (start < first)
                {
                    // Another process's batch: its start vectors are drawn so this batch's are the single run's.
                    Lanczos.StartVectors(generator, count, x[0].numel(), ScalarType.Float64, torch.CPU).Dispose();
                    continue;
                }
                long[] labels;
                using (model.UseRelu()) labels = model.Predict(x).Labels;
                using var target = torch.tensor(labels, dtype: ScalarType.Int64);
                using (model.UseSoftplus(beta))
                using (var hessian = new InputHessian(model, x, target))
                {
                    var g = hessian.Gradient.flatten(1);
                    var norms = g.to(ScalarType.Float64).norm(1).cpu().data<double>().ToArray();
                    using var result = Lanczos.Run(hessian, Lanczos.StartVectors(generator, g.shape[0], g.shape[1], g.dtype, g.device), lanczosSteps, eigenvalues);
                    for (int i = 0; i < count; i++)
                        spectra.Add(new SpectrumImage(beta, start + i, result.Largest[i], result.Dominant[i], result.Smallest[i], norms[i]));
                }
                done += count;
                progress?.Report(new ProgressUpdate("spectrum", done, total, $"beta {GeometryFiles.Num(beta)}"));
            }
        }
        var attack = MapFragility.Measure(model, x0, AttackNames.TopK, new SimpleGradient(), settings, batchSize, progress, 0, cancellation, images);
        return new SpectrumPart(spectra, attack);
    }

    /// <summary>The result of the parts <see cref="MeasureImages"/> measured: per beta the spectra in image order, and
    /// over images their correlations with how far the attack moved the map.</summary>
    public static SpectrumResult Combine(SelectedInputs inputs, IReadOnlyList<double> betas, AttackSettings settings, string modelName, int lanczosSteps,
        IReadOnlyList<SpectrumPart> parts)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(parts);
        int n = inputs.Count;
        var attack = GeometryParts.InOrder(parts.Select(p => p.Attack), r => r.Position, n);
        var moved = attack.Select(r => 1 - r.TopKIntersection).ToArray();
        var decorrelated = attack.Select(r => 1 - r.Spearman).ToArray();
        var perBeta = AllBetas(betas, settings).Select(beta =>
        {
            var s = GeometryParts.InOrder(parts.Select(p => (IReadOnlyList<SpectrumImage>)p.Spectra.Where(x => x.Beta == beta).ToList()), x => x.Position, n);
            var partial = new BetaSpectrum(beta, s.Select(x => x.Largest).ToArray(), s.Select(x => x.Dominant).ToArray(), s.Select(x => x.Smallest).ToArray(),
                s.Select(x => x.ScoreGradientNorm).ToArray(), double.NaN, double.NaN, double.NaN, double.NaN);
            double[] magnitude = partial.Magnitude, relative = partial.RelativeCurvature;
            return partial with
            {
                RhoTopK = SafeSpearman(magnitude, moved), RhoSpearman = SafeSpearman(magnitude, decorrelated),
                RhoRelativeTopK = SafeSpearman(relative, moved), RhoRelativeSpearman = SafeSpearman(relative, decorrelated),
            };
        }).ToList();
        return new SpectrumResult(modelName, settings, lanczosSteps, inputs.Indices, perBeta, attack);
    }

    /// <summary>The betas measured: the given ones and the attack's, in increasing order.</summary>
    private static double[] AllBetas(IReadOnlyList<double> betas, AttackSettings settings) => betas.Append(settings.Beta).Distinct().Order().ToArray();

    /// <summary>Measures (<see cref="Measure"/>) and writes the folder <paramref name="outDir"/> (<see cref="SpectrumWriter"/>).</summary>
    public static ExperimentSummary Run(Classifier model, SelectedInputs inputs, IReadOnlyList<double> betas, AttackSettings settings, string outDir,
        string modelName, int lanczosSteps = 30, int eigenvalues = 5, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default) =>
        GeometryFiles.Write(Measure(model, inputs, betas, settings, modelName, lanczosSteps, eigenvalues, batchSize, progress, cancellation), outDir, new SpectrumWriter());

    /// <summary>Spearman over the pairs where both values are finite; NaN with fewer than three.</summary>
    private static double SafeSpearman(double[] a, double[] b)
    {
        var pairs = a.Zip(b).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
        if (pairs.Length < 3) return double.NaN;
        return Correlation.Spearman(pairs.Select(p => p.First), pairs.Select(p => p.Second));
    }
}
