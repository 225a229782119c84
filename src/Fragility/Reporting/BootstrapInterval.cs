namespace Fragility.Reporting;

/// <summary>Placeholder until the seeded percentile bootstrap lands (replaced on merge).</summary>
public sealed record BootstrapInterval(double Mean, double Lower, double Upper, int Count, int Resamples, double Level)
{
    /// <summary>Percentile bootstrap of the mean.</summary>
    public static BootstrapInterval OfMean(IEnumerable<double> values, double level = 0.95, int resamples = 2000, int seed = 0)
    {
        var x = values.Where(double.IsFinite).ToArray();
        if (x.Length == 0) return new(double.NaN, double.NaN, double.NaN, 0, resamples, level);
        double mean = x.Average();
        if (x.Length == 1) return new(mean, double.NaN, double.NaN, 1, resamples, level);
        var rng = new Random(seed);
        var means = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            double s = 0;
            for (int i = 0; i < x.Length; i++) s += x[rng.Next(x.Length)];
            means[r] = s / x.Length;
        }
        Array.Sort(means);
        double a = (1 - level) / 2;
        return new(mean, means[(int)(a * (resamples - 1))], means[(int)((1 - a) * (resamples - 1))], x.Length, resamples, level);
    }

    /// <summary>Paired difference.</summary>
    public static BootstrapInterval OfPairedDifference<TKey>(IReadOnlyDictionary<TKey, double> a, IReadOnlyDictionary<TKey, double> b, double level = 0.95, int resamples = 2000, int seed = 0)
        where TKey : notnull => OfMean(a.Where(p => b.ContainsKey(p.Key)).Select(p => p.Value - b[p.Key]), level, resamples, seed);
}
