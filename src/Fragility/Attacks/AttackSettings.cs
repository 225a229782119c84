using System.Globalization;
using Fragility.Metrics;

namespace Fragility.Attacks;

/// <summary>
/// The numbers every attack shares (docs/method.md §4.1, Algorithm 1 of Ghorbani, Abid and Zou). Epsilon and step are in
/// pixel units of the 0-255 scale: an epsilon of 8 means 8/255 for the [0, 1] inputs models take.
/// </summary>
public sealed record AttackSettings
{
    /// <summary>L-infinity radius of the allowed perturbation, in pixel units of the 0-255 scale (8 means 8/255);
    /// valid range (0, 255]. Default 8.</summary>
    public double Epsilon { get; init; } = 8;

    /// <summary>Step size alpha of each iteration, in pixel units of the 0-255 scale; positive. Default 0.5 (the
    /// paper's reference code).</summary>
    public double Step { get; init; } = 0.5;

    /// <summary>Number of iterations P; at least 1. Default 300 (the paper's reference code). The single-draw random
    /// sign perturbation ignores it.</summary>
    public int Iterations { get; init; } = 300;

    /// <summary>k of the top-k objective and of the top-k criterion, in pixels; null means the metrics' default for the
    /// map size (10% of the pixels for small maps: 78 for 28x28; 100 for 32x32; 1000 for 224x224). Valid range [1, H*W].</summary>
    public int? K { get; init; }

    /// <summary>Softplus parameter beta of the smooth twin used for attack gradients
    /// (softplus_beta(z) = log(1 + exp(beta z)) / beta); positive. Default 1 (the paper's reference code).</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>What picks the returned iterate: the criterion of its map against the clean map on the ReLU network.
    /// Default <see cref="AttackCriterion.TopK"/>.</summary>
    public AttackCriterion Criterion { get; init; } = AttackCriterion.TopK;

    /// <summary>Base random seed of the random-sign perturbation; each input's draws are seeded from this seed, the
    /// image index, the method, the attack and epsilon (see <see cref="AttackSeeds"/>). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Epsilon on the [0, 1] pixel scale (<see cref="Epsilon"/> / 255).</summary>
    public double EpsilonUnit => Epsilon / 255.0;

    /// <summary>Step on the [0, 1] pixel scale (<see cref="Step"/> / 255).</summary>
    public double StepUnit => Step / 255.0;

    /// <summary>k for maps of <paramref name="height"/> x <paramref name="width"/>: <see cref="K"/> or the default rule.</summary>
    public int ResolveK(int height, int width) => K ?? TopKIntersection.DefaultK(height, width);

    /// <summary>
    /// Checks every value and throws a <see cref="FragilityException"/> naming the option and its valid range:
    /// epsilon in (0, 255], step &gt; 0, iterations &gt;= 1, k in [1, H*W], beta &gt; 0.
    /// </summary>
    /// <param name="height">Map height in pixels.</param>
    /// <param name="width">Map width in pixels.</param>
    public void Validate(int height, int width)
    {
        if (!(Epsilon > 0 && Epsilon <= 255))
            throw new FragilityException($"--epsilon must be in (0, 255] (pixel units of the 0-255 scale: 8 means 8/255), got {Format(Epsilon)}.");
        if (!(Step > 0 && double.IsFinite(Step)))
            throw new FragilityException($"--step must be a positive number of pixel units of the 0-255 scale (default 0.5), got {Format(Step)}.");
        if (Iterations < 1)
            throw new FragilityException($"--iterations must be at least 1 (default 300), got {Iterations}.");
        long pixels = (long)height * width;
        if (K is int k && (k < 1 || k > pixels))
            throw new FragilityException($"--k must be in [1, {pixels}] (the pixel count of {height}x{width} maps), got {k}.");
        if (!(Beta > 0 && double.IsFinite(Beta)))
            throw new FragilityException($"--beta must be a positive number (softplus sharpness; default 1), got {Format(Beta)}.");
        if (!Enum.IsDefined(Criterion))
            throw new FragilityException($"--criterion must be one of topk, spearman, center_shift, got {Criterion}.");
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
