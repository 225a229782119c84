using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// The shared sampling behind the sensitivity metrics: for each of <c>samples</c> draws, u ~ Uniform on the
/// L-infinity ball (the cube [-r, r]^D, elementwise independent) with r = radius / 255, the perturbed input
/// clamp(x + u, 0, 1), and the norms the metrics need. Draws come from a CPU torch.Generator seeded with the
/// seed, so results are reproducible for a seed whatever the device.
/// </summary>
internal sealed class RandomPerturbationNorms
{
    private RandomPerturbationNorms(double[] explanationNorm, double[,] differenceNorm, double[,] perturbationNorm)
    {
        ExplanationNorm = explanationNorm;
        DifferenceNorm = differenceNorm;
        PerturbationNorm = perturbationNorm;
    }

    /// <summary>||e(x)||_2 (Frobenius norm of the flattened attribution) of each input, [N].</summary>
    public double[] ExplanationNorm { get; }

    /// <summary>||e(x + u_s) - e(x)||_2 of each draw s and input n, [samples, N].</summary>
    public double[,] DifferenceNorm { get; }

    /// <summary>||x'_s - x||_2 of the realised (clamped) perturbation of each draw and input, [samples, N], pixel scale.</summary>
    public double[,] PerturbationNorm { get; }

    /// <summary>Number of inputs.</summary>
    public int Count => ExplanationNorm.Length;

    /// <summary>Number of draws.</summary>
    public int Samples => DifferenceNorm.GetLength(0);

    /// <summary>Checks the settings shared by the sensitivity metrics.</summary>
    public static void CheckSettings(string metric, double radius, int samples)
    {
        if (!double.IsFinite(radius) || radius <= 0)
            throw new FragilityException($"{metric} needs a positive radius on the 0-255 scale, got {radius}. Pass e.g. 8 for 8/255 on [0,1] inputs.");
        if (samples < 1)
            throw new FragilityException($"{metric} needs at least one random sample, got {samples}. Pass samples >= 1 (e.g. 10).");
    }

    /// <summary>Draws the perturbations and measures the norms.</summary>
    public static RandomPerturbationNorms Measure(string metric, Func<Tensor, Tensor> explain, Tensor inputs, double radius, int samples, int seed)
    {
        ArgumentNullException.ThrowIfNull(explain);
        ArgumentNullException.ThrowIfNull(inputs);
        CheckSettings(metric, radius, samples);
        if (inputs.dim() != 4 || inputs.shape[0] == 0 || !inputs.is_floating_point())
            throw new ArgumentException($"{metric} needs a non-empty floating-point batch [N,C,H,W], got {inputs.dtype} [{string.Join(",", inputs.shape)}].");

        using var scope = torch.NewDisposeScope();
        var x = inputs.detach();
        double min = x.min().ToDouble(), max = x.max().ToDouble();
        if (!(min >= 0 && max <= 1))
            throw new FragilityException($"{metric} needs inputs on the pixel scale [0, 1], got values in [{min}, {max}]. Divide 0-255 images by 255.");
        int n = (int)x.shape[0];
        double r = radius / 255.0;

        var e0 = Explain(metric, explain, x, n, null);
        var explanationNorm = RowNorms(e0);
        var difference = new double[samples, n];
        var perturbation = new double[samples, n];
        using var generator = new torch.Generator(unchecked((ulong)seed), torch.CPU);
        for (int s = 0; s < samples; s++)
        {
            using var step = torch.NewDisposeScope();
            var u = torch.rand(x.shape, dtype: x.dtype, device: torch.CPU, generator: generator).mul_(2 * r).sub_(r).to(x.device);
            var xp = (x + u).clamp_(0.0, 1.0);
            var e1 = Explain(metric, explain, xp, n, e0.shape);
            var dn = RowNorms(e1 - e0);
            var pn = RowNorms(xp.to(ScalarType.Float64) - x.to(ScalarType.Float64));   // float64: the difference of two float32 values can round
            for (int i = 0; i < n; i++) { difference[s, i] = dn[i]; perturbation[s, i] = pn[i]; }
        }
        return new RandomPerturbationNorms(explanationNorm, difference, perturbation);
    }

    private static Tensor Explain(string metric, Func<Tensor, Tensor> explain, Tensor x, int n, long[]? expectedShape)
    {
        var e = explain(x) ?? throw new FragilityException($"{metric}: the explanation returned null. It must return an attribution tensor [N,...].");
        if (e.dim() < 1 || e.shape[0] != n || !e.is_floating_point())
            throw new FragilityException($"{metric}: the explanation returned {e.dtype} [{string.Join(",", e.shape)}] for {n} inputs. It must return a floating-point attribution [N,...] with one row per input.");
        if (expectedShape is not null && !e.shape.SequenceEqual(expectedShape))
            throw new FragilityException($"{metric}: the explanation returned [{string.Join(",", e.shape)}] for perturbed inputs but [{string.Join(",", expectedShape)}] for clean ones. It must return the same shape for every batch of N inputs.");
        var d = e.detach().to(ScalarType.Float64);
        if (!d.isfinite().all().item<bool>())
            throw new FragilityException($"{metric}: the explanation returned NaN or infinite values. Check the model and the attribution method.");
        return d;
    }

    private static double[] RowNorms(Tensor t) =>
        t.reshape(t.shape[0], -1).to(ScalarType.Float64).norm(1, false, 2).cpu().data<double>().ToArray();
}
