using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// Average-sensitivity: the mean relative change of the explanation under random noise,
/// <c>mean_s ||e(x + u_s) - e(x)||_F / ||e(x)||_F</c>, with the same noise as <see cref="MaxSensitivity"/>
/// (u_s elementwise Uniform[-r, r], x + u_s clamped to [0, 1]).
/// </summary>
/// <remarks>
/// <para>Source: Yeh et al., NeurIPS 2019 (the expected rather than the worst sensitivity); as Quantus'
/// <c>AvgSensitivity</c> with the normalisation by ||e(x)|| switched on.</para>
/// <para>Units: <c>radius</c> on the 0-255 scale, divided by 255 for the [0, 1] inputs. The result is a ratio.</para>
/// <para>Range: [0, inf); never above <see cref="MaxSensitivity"/> for the same radius, samples and seed (same
/// draws). Lower means more robust.</para>
/// <para>Zero explanation (||e(x)|| = 0): 0 when every e(x + u_s) is also zero, else +infinity; never NaN.</para>
/// <para>Deterministic for a seed (torch.Generator seeded with <see cref="Seed"/>).</para>
/// </remarks>
public sealed class AverageSensitivity : IExplanationRobustness
{
    /// <summary>Creates the metric.</summary>
    /// <param name="radius">L-infinity radius of the noise on the 0-255 scale (positive).</param>
    /// <param name="samples">Number of noise draws (default 10).</param>
    /// <param name="seed">Seed of the noise generator (default 0).</param>
    public AverageSensitivity(double radius, int samples = 10, int seed = 0)
    {
        RandomPerturbationNorms.CheckSettings(nameof(AverageSensitivity), radius, samples);
        Radius = radius; Samples = samples; Seed = seed;
    }

    /// <summary>L-infinity radius of the noise, 0-255 scale.</summary>
    public double Radius { get; }

    /// <summary>Number of noise draws.</summary>
    public int Samples { get; }

    /// <summary>Seed of the noise generator.</summary>
    public int Seed { get; }

    /// <inheritdoc />
    public string Name => "avg_sensitivity";

    /// <inheritdoc />
    public bool HigherMeansMoreRobust => false;

    /// <inheritdoc />
    public double[] Evaluate(Func<Tensor, Tensor> explain, Tensor inputs)
    {
        var m = RandomPerturbationNorms.Measure(nameof(AverageSensitivity), explain, inputs, Radius, Samples, Seed);
        var result = new double[m.Count];
        for (int i = 0; i < m.Count; i++)
        {
            double sum = 0;
            for (int s = 0; s < m.Samples; s++) sum += m.DifferenceNorm[s, i];
            result[i] = MaxSensitivity.Relative(sum / m.Samples, m.ExplanationNorm[i]);
        }
        return result;
    }
}
