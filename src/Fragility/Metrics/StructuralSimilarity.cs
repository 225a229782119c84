namespace Fragility.Metrics;

/// <summary>
/// Structural similarity (SSIM) of the two maps seen as grey images: the mean over all window positions of
/// <c>(2 mu0 mu1 + C1)(2 s01 + C2) / ((mu0^2 + mu1^2 + C1)(s0^2 + s1^2 + C2))</c>, with mu, s^2 and s01 the
/// window-weighted local means, variances and covariance.
/// </summary>
/// <remarks>
/// <para>Source: Wang, Bovik, Sheikh and Simoncelli, "Image quality assessment: from error visibility to
/// structural similarity", IEEE TIP 2004. Constants as there: C1 = (0.01 L)^2, C2 = (0.03 L)^2 with dynamic
/// range L = 1.</para>
/// <para>Pre-processing: each map is divided by its own maximum so that it lies in [0, 1] (L = 1); an all-zero
/// map stays zero. Saliency maps have no natural scale (the post-processing normalises them to sum 1), so the
/// metric is made invariant to a positive rescaling of either map.</para>
/// <para>Window: the 11x11 Gaussian window with sigma 1.5 (weights normalised to sum 1) of Wang et al. when
/// both sides are at least 11 pixels; for smaller maps (7 to 10 pixels on the shorter side) the 7x7 uniform
/// window (scikit-image's default). Only positions where the window lies fully inside the map are used (no
/// padding), and the local statistics are the window-weighted population moments (as in Wang et al.'s
/// reference code). Maps smaller than 7x7 throw <see cref="FragilityException"/>.</para>
/// <para>Range: [-1, 1]; 1 for identical maps (after rescaling). Higher means more similar.</para>
/// <para>Constant map: a constant non-zero map becomes all ones. Two constant maps give 1 (both zero or both
/// non-zero) and an all-ones map against an all-zero map gives C1 / (1 + C1), about 1e-4. Defined for every
/// map, so no special case is needed. Negative values throw <see cref="ArgumentException"/>.</para>
/// </remarks>
public sealed class StructuralSimilarity : IMapComparison
{
    /// <summary>Side of the Gaussian window of Wang et al. (2004).</summary>
    public const int GaussianWindowSize = 11;

    /// <summary>Standard deviation, in pixels, of the Gaussian window.</summary>
    public const double GaussianSigma = 1.5;

    /// <summary>Side of the uniform window used for maps smaller than <see cref="GaussianWindowSize"/>.</summary>
    public const int UniformWindowSize = 7;

    private const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;

    /// <inheritdoc />
    public string Name => "ssim";

    /// <inheritdoc />
    public bool HigherMeansMoreSimilar => true;

    /// <inheritdoc />
    public double Compare(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int height, int width)
    {
        MapChecks.Pair(clean, perturbed, height, width);
        var kernel = Window(height, width);
        var x = RescaleToUnitMax(clean);
        var y = RescaleToUnitMax(perturbed);
        var xx = new double[x.Length];
        var yy = new double[x.Length];
        var xy = new double[x.Length];
        for (int i = 0; i < x.Length; i++) { xx[i] = x[i] * x[i]; yy[i] = y[i] * y[i]; xy[i] = x[i] * y[i]; }

        var mx = Filter(x, height, width, kernel);
        var my = Filter(y, height, width, kernel);
        var exx = Filter(xx, height, width, kernel);
        var eyy = Filter(yy, height, width, kernel);
        var exy = Filter(xy, height, width, kernel);
        double sum = 0;
        for (int i = 0; i < mx.Length; i++)
        {
            double vx = exx[i] - mx[i] * mx[i], vy = eyy[i] - my[i] * my[i], cxy = exy[i] - mx[i] * my[i];
            sum += (2 * mx[i] * my[i] + C1) * (2 * cxy + C2) / ((mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2));
        }
        return Math.Clamp(sum / mx.Length, -1.0, 1.0);
    }

    /// <summary>The 1-D window weights (summing to 1) used for a map of this size; the 2-D window is their outer product.</summary>
    public static double[] Window(int height, int width)
    {
        int side = Math.Min(height, width);
        if (side >= GaussianWindowSize)
        {
            var g = new double[GaussianWindowSize];
            int half = GaussianWindowSize / 2;
            for (int i = 0; i < g.Length; i++) g[i] = Math.Exp(-(i - half) * (i - half) / (2 * GaussianSigma * GaussianSigma));
            double total = g.Sum();
            return g.Select(v => v / total).ToArray();
        }
        if (side >= UniformWindowSize)
            return Enumerable.Repeat(1.0 / UniformWindowSize, UniformWindowSize).ToArray();
        throw new FragilityException($"SSIM needs maps of at least {UniformWindowSize}x{UniformWindowSize} pixels, got {height}x{width}. Use another metric (e.g. spearman) for maps this small.");
    }

    private static double[] RescaleToUnitMax(ReadOnlySpan<float> map)
    {
        double max = 0;
        for (int i = 0; i < map.Length; i++)
        {
            if (map[i] < 0) throw new ArgumentException($"The map holds {map[i]} at index {i}; SSIM of saliency maps needs non-negative maps (take the absolute value first).");
            max = Math.Max(max, map[i]);
        }
        var d = new double[map.Length];
        double scale = max > 0 ? 1.0 / max : 0.0;
        for (int i = 0; i < d.Length; i++) d[i] = map[i] * scale;
        return d;
    }

    // Separable 'valid' filtering; hand-written because no referenced library offers a 2-D window filter on arrays.
    private static double[] Filter(double[] image, int height, int width, double[] kernel)
    {
        int k = kernel.Length, outW = width - k + 1, outH = height - k + 1;
        var rows = new double[height * outW];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < outW; c++)
            {
                double s = 0;
                for (int j = 0; j < k; j++) s += kernel[j] * image[r * width + c + j];
                rows[r * outW + c] = s;
            }
        var result = new double[outH * outW];
        for (int r = 0; r < outH; r++)
            for (int c = 0; c < outW; c++)
            {
                double s = 0;
                for (int j = 0; j < k; j++) s += kernel[j] * rows[(r + j) * outW + c];
                result[r * outW + c] = s;
            }
        return result;
    }
}
