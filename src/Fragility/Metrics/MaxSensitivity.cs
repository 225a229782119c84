using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// Max-sensitivity: the largest relative change of the explanation under random noise,
/// <c>max_s ||e(x + u_s) - e(x)||_F / ||e(x)||_F</c>, u_s drawn uniformly from the L-infinity ball of the
/// given radius (elementwise Uniform[-r, r]) and x + u_s clamped to the pixel range [0, 1].
/// </summary>
/// <remarks>
/// <para>Source: Yeh, Hsieh, Suggala, Inouye and Ravikumar, "On the (In)fidelity and Sensitivity of
/// Explanations", NeurIPS 2019; as Captum's <c>sensitivity_max</c> (uniform L-infinity noise, Frobenius norm,
/// normalised by ||e(x)||) and Quantus' <c>MaxSensitivity</c> with its normalisation switched on. Two differences
/// from Captum: the perturbed input is clamped to [0, 1], and a zero e(x) gives +infinity (below) where Captum
/// divides by 1 instead.</para>
/// <para>Units: <c>radius</c> is on the 0-255 scale and is divided by 255 for the [0, 1] inputs (radius 8 means
/// noise up to 8/255 per pixel value). The result is a ratio (dimensionless).</para>
/// <para>Range: [0, inf); 0 when the explanation does not change. Lower means more robust.</para>
/// <para>Zero explanation (||e(x)|| = 0, e.g. a constant-zero map): the ratio is 0 when every e(x + u_s) is also
/// zero, else +infinity (any change is unboundedly large relative to nothing); never NaN.</para>
/// <para>Deterministic for a seed: the noise comes from a torch.Generator seeded with <see cref="Seed"/>; the
/// draws for a batch depend on the batch shape.</para>
/// </remarks>
public sealed class MaxSensitivity : IExplanationRobustness
{
    /// <summary>Creates the metric.</summary>
    /// <param name="radius">L-infinity radius of the noise on the 0-255 scale (positive).</param>
    /// <param name="samples">Number of noise draws (default 10, Captum's default).</param>
    /// <param name="seed">Seed of the noise generator (default 0).</param>
    public MaxSensitivity(double radius, int samples = 10, int seed = 0)
    {
        RandomPerturbationNorms.CheckSettings(nameof(MaxSensitivity), radius, samples);
        Radius = radius; Samples = samples; Seed = seed;
    }

    /// <summary>L-infinity radius of the noise, 0-255 scale.</summary>
    public double Radius { get; }

    /// <summary>Number of noise draws.</summary>
    public int Samples { get; }

    /// <summary>Seed of the noise generator.</summary>
    public int Seed { get; }

    /// <inheritdoc />
    public string Name => "max_sensitivity";

    /// <inheritdoc />
    public bool HigherMeansMoreRobust => false;

    /// <inheritdoc />
    public double[] Evaluate(Func<Tensor, Tensor> explain, Tensor inputs)
    {
        var m = RandomPerturbationNorms.Measure(nameof(MaxSensitivity), explain, inputs, Radius, Samples, Seed);
        var result = new double[m.Count];
        for (int i = 0; i < m.Count; i++)
        {
            double worst = 0;
            for (int s = 0; s < m.Samples; s++) worst = Math.Max(worst, m.DifferenceNorm[s, i]);
            result[i] = Relative(worst, m.ExplanationNorm[i]);
        }
        return result;
    }

    /// <summary>change / reference, with 0/0 = 0 and c/0 = +infinity for c &gt; 0 (see the remarks).</summary>
    internal static double Relative(double change, double reference) =>
        reference > 0 ? change / reference : change > 0 ? double.PositiveInfinity : 0.0;
}
