using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// Local Lipschitz estimate: the largest ratio of explanation change to input change under random noise,
/// <c>max_s ||e(x + u_s) - e(x)||_2 / ||u_s||_2</c>, u_s the realised perturbation (clamp(x + u, 0, 1) - x with u
/// elementwise Uniform[-r, r]).
/// </summary>
/// <remarks>
/// <para>Source: Alvarez-Melis and Jaakkola, "On the Robustness of Interpretability Methods", ICML Workshop on
/// Human Interpretability 2018 (the maximisation over the neighbourhood replaced by random sampling, as in
/// Quantus' <c>LocalLipschitzEstimate</c>).</para>
/// <para>Units: <c>radius</c> on the 0-255 scale, divided by 255 for the [0, 1] inputs; ||u|| is measured on the
/// [0, 1] pixel scale, so the result is attribution units per unit of [0, 1] input (255 times smaller than per
/// 0-255 pixel level). For a linear explanation e(x) = A x it is at most the largest singular value of A (and
/// exactly c for e(x) = c x).</para>
/// <para>Range: [0, inf); lower means more robust. Not normalised by ||e(x)||, so it is comparable only between
/// explanations of the same scale.</para>
/// <para>Degenerate draws: a draw whose realised perturbation is zero (clamping removed it entirely) has no
/// ratio and is skipped; if every draw is degenerate the result is 0. Never NaN.</para>
/// <para>Deterministic for a seed (torch.Generator seeded with <see cref="Seed"/>).</para>
/// </remarks>
public sealed class LocalLipschitzEstimate : IExplanationRobustness
{
    /// <summary>Creates the metric.</summary>
    /// <param name="radius">L-infinity radius of the noise on the 0-255 scale (positive).</param>
    /// <param name="samples">Number of noise draws (default 10).</param>
    /// <param name="seed">Seed of the noise generator (default 0).</param>
    public LocalLipschitzEstimate(double radius, int samples = 10, int seed = 0)
    {
        RandomPerturbationNorms.CheckSettings(nameof(LocalLipschitzEstimate), radius, samples);
        Radius = radius; Samples = samples; Seed = seed;
    }

    /// <summary>L-infinity radius of the noise, 0-255 scale.</summary>
    public double Radius { get; }

    /// <summary>Number of noise draws.</summary>
    public int Samples { get; }

    /// <summary>Seed of the noise generator.</summary>
    public int Seed { get; }

    /// <inheritdoc />
    public string Name => "local_lipschitz";

    /// <inheritdoc />
    public bool HigherMeansMoreRobust => false;

    /// <inheritdoc />
    public double[] Evaluate(Func<Tensor, Tensor> explain, Tensor inputs)
    {
        var m = RandomPerturbationNorms.Measure(nameof(LocalLipschitzEstimate), explain, inputs, Radius, Samples, Seed);
        var result = new double[m.Count];
        for (int i = 0; i < m.Count; i++)
        {
            double best = 0;
            for (int s = 0; s < m.Samples; s++)
                if (m.PerturbationNorm[s, i] > 0) best = Math.Max(best, m.DifferenceNorm[s, i] / m.PerturbationNorm[s, i]);
            result[i] = best;
        }
        return result;
    }
}
