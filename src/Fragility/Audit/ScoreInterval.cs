namespace Fragility.Audit;

/// <summary>A mean over images with its 95 % percentile-bootstrap interval (see <see cref="Reporting.BootstrapInterval"/>).</summary>
/// <param name="Mean">The mean over images (NaN when there are none).</param>
/// <param name="Lower">Lower bound (NaN with fewer than two images).</param>
/// <param name="Upper">Upper bound (NaN with fewer than two images).</param>
/// <param name="N">Number of images.</param>
public sealed record ScoreInterval(double Mean, double Lower, double Upper, int N)
{
    /// <summary>The interval of the mean of <paramref name="values"/>, seeded by <paramref name="seed"/>.</summary>
    public static ScoreInterval Of(IEnumerable<double> values, int seed)
    {
        var b = Reporting.BootstrapInterval.OfMean(values, seed: seed);
        return new ScoreInterval(b.Mean, b.Lower, b.Upper, b.Count);
    }

    /// <summary>The interval of the mean per-image difference a − b over images present in both.</summary>
    public static ScoreInterval Paired(IReadOnlyDictionary<int, double> a, IReadOnlyDictionary<int, double> b, int seed)
    {
        var d = Reporting.BootstrapInterval.OfPairedDifference(a, b, seed: seed);
        return new ScoreInterval(d.Mean, d.Lower, d.Upper, d.Count);
    }
}
