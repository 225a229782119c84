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
        int lanczosSteps = 30, int eigenvalues = 5, int batchSize = 32, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        var allBetas = betas.Append(settings.Beta).Distinct().Order().ToArray();
        var images = inputs.Images.Images;
        int n = inputs.Count;
        var spectra = new List<(double Beta, double[][] Top, double[] Dominant, double[] Bottom, double[] GradNorm)>();
        int done = 0, total = n * allBetas.Length;
        foreach (double beta in allBetas)
        {
            var top = new double[n][]; var dominant = new double[n]; var bottom = new double[n]; var gradNorm = new double[n];
            using var generator = new torch.Generator((ulong)settings.Seed, torch.CPU);
            for (int start = 0; start < n; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, n - start);
                using var scope = torch.NewDisposeScope();
                var x = images.narrow(0, start, count);
                long[] labels;
                using (model.UseRelu()) labels = model.Predict(x).Labels;
                using var target = torch.tensor(labels, dtype: ScalarType.Int64);
                using (model.UseSoftplus(beta))
                using (var hessian = new InputHessian(model, x, target))
                {
                    var g = hessian.Gradient.flatten(1);
                    var norms = g.to(ScalarType.Float64).norm(1).cpu().data<double>().ToArray();
                    using var result = Lanczos.Run(hessian, torch.randn(g.shape, dtype: ScalarType.Float64, device: torch.CPU, generator: generator).to(g.dtype, g.device), lanczosSteps, eigenvalues);
                    for (int i = 0; i < count; i++)
                    {
                        top[start + i] = result.Largest[i];
                        dominant[start + i] = result.Dominant[i];
                        bottom[start + i] = result.Smallest[i];
                        gradNorm[start + i] = norms[i];
                    }
                }
                done += count;
                progress?.Report(new ProgressUpdate("spectrum", done, total, $"beta {GeometryFiles.Num(beta)}"));
            }
            spectra.Add((beta, top, dominant, bottom, gradNorm));
        }
        var attack = MapFragility.Measure(model, images, AttackNames.TopK, new SimpleGradient(), settings, batchSize, progress, 0, cancellation);
        var moved = attack.Select(r => 1 - r.TopKIntersection).ToArray();
        var decorrelated = attack.Select(r => 1 - r.Spearman).ToArray();
        var perBeta = spectra.Select(s =>
        {
            var partial = new BetaSpectrum(s.Beta, s.Top, s.Dominant, s.Bottom, s.GradNorm, double.NaN, double.NaN, double.NaN, double.NaN);
            double[] magnitude = partial.Magnitude, relative = partial.RelativeCurvature;
            return partial with
            {
                RhoTopK = SafeSpearman(magnitude, moved), RhoSpearman = SafeSpearman(magnitude, decorrelated),
                RhoRelativeTopK = SafeSpearman(relative, moved), RhoRelativeSpearman = SafeSpearman(relative, decorrelated),
            };
        }).ToList();
        return new SpectrumResult(modelName, settings, lanczosSteps, inputs.Indices, perBeta, attack);
    }

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
