using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Fragility.Reporting;

/// <summary>
/// A mean with its two-sided Student-t confidence interval, <c>mean ± t(n−1, (1+level)/2) · s / √n</c>, where s is
/// the sample standard deviation (divisor n − 1). For a paired comparison (<see cref="Paired"/>) the sample is the
/// per-input difference a_i − b_i, so what the inputs share (an easy image is easy for both) cancels: this is the
/// paired t-interval. It assumes the mean is roughly normal, which over tens of inputs of bounded metrics it is.
/// Bounds are NaN with fewer than two values.
/// </summary>
public sealed record MeanInterval(double Mean, double Lower, double Upper, int Count)
{
    /// <summary>Half the width of the interval (NaN when undefined).</summary>
    public double HalfWidth => (Upper - Lower) / 2;

    /// <summary>The mean and t-interval of the finite values of <paramref name="values"/> at <paramref name="level"/> (default 0.95).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is not in (0, 1).</exception>
    public static MeanInterval Of(IEnumerable<double> values, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "the confidence level must be in (0, 1)");
        var x = values.Where(double.IsFinite).ToArray();
        if (x.Length == 0) return new MeanInterval(double.NaN, double.NaN, double.NaN, 0);
        double mean = x.Mean();
        if (x.Length < 2) return new MeanInterval(mean, double.NaN, double.NaN, x.Length);
        double half = StudentT.InvCDF(0, 1, x.Length - 1, (1 + level) / 2) * x.StandardDeviation() / Math.Sqrt(x.Length);
        return new MeanInterval(mean, mean - half, mean + half, x.Length);
    }

    /// <summary>
    /// The paired t-interval of the mean difference a − b over the keys present in both (with finite values in both):
    /// e.g. attacked minus random-noise top-k intersection, paired per input.
    /// </summary>
    public static MeanInterval Paired<TKey>(IReadOnlyDictionary<TKey, double> a, IReadOnlyDictionary<TKey, double> b, double level = 0.95)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Of(a.Where(p => b.ContainsKey(p.Key)).Select(p => p.Value - b[p.Key]), level);
    }
}
