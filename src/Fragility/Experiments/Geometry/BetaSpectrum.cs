namespace Fragility.Experiments.Geometry;

/// <summary>The input-Hessian spectra of one softplus beta over the images of a <see cref="SpectrumResult"/>, and over
/// images the Spearman correlations of the curvature with how far the top-k attack moved the map.</summary>
/// <param name="Beta">Softplus beta of the twin.</param>
/// <param name="Largest">Per image, the largest eigenvalues in descending order.</param>
/// <param name="Dominant">Per image, the eigenvalue of largest magnitude (signed).</param>
/// <param name="Smallest">Per image, the smallest (most negative) eigenvalue.</param>
/// <param name="ScoreGradientNorm">Per image, ||grad_x score_y|| on the twin.</param>
/// <param name="RhoTopK">Spearman of |lambda_max| with 1 - top-k intersection after the attack.</param>
/// <param name="RhoSpearman">Spearman of |lambda_max| with 1 - Spearman correlation after the attack.</param>
/// <param name="RhoRelativeTopK">Spearman of the relative curvature with 1 - top-k intersection.</param>
/// <param name="RhoRelativeSpearman">Spearman of the relative curvature with 1 - Spearman correlation.</param>
public sealed record BetaSpectrum(double Beta, IReadOnlyList<double[]> Largest, IReadOnlyList<double> Dominant, IReadOnlyList<double> Smallest,
    IReadOnlyList<double> ScoreGradientNorm, double RhoTopK, double RhoSpearman, double RhoRelativeTopK, double RhoRelativeSpearman)
{
    /// <summary>Per image, |lambda_max|.</summary>
    public double[] Magnitude => Dominant.Select(Math.Abs).ToArray();

    /// <summary>Per image, the relative curvature |lambda_max| / ||grad_x score_y|| (NaN for a zero gradient).</summary>
    public double[] RelativeCurvature => Magnitude.Zip(ScoreGradientNorm, (l, g) => g > 0 ? l / g : double.NaN).ToArray();
}
