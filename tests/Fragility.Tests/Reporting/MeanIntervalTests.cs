using Fragility.Reporting;

namespace Fragility.Tests.Reporting;

public sealed class MeanIntervalTests
{
    // t(4) quantile at 0.975 from printed tables (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2): 2.776.
    private const double T4 = 2.7764451051977987;

    [Fact]
    public void Of_MatchesTheTextbookTInterval()
    {
        // d = 1..5: mean 3, s = sqrt(2.5); half-width = t(4) * s / sqrt(5).
        var ci = MeanInterval.Of([1, 2, 3, 4, 5]);
        double half = T4 * Math.Sqrt(2.5) / Math.Sqrt(5);
        Assert.Equal(3, ci.Mean, 12);
        Assert.Equal(3 - half, ci.Lower, 9);
        Assert.Equal(3 + half, ci.Upper, 9);
        Assert.Equal(5, ci.Count);
    }

    [Fact]
    public void Paired_UsesOnlyTheSharedKeys_AndTheDifferences()
    {
        var a = new Dictionary<int, double> { [0] = 0.5, [1] = 0.4, [2] = 0.3, [3] = 0.6, [4] = 0.2, [9] = -100 };
        var b = new Dictionary<int, double> { [0] = 1.5, [1] = 2.4, [2] = 3.3, [3] = 4.6, [4] = 5.2, [7] = 100 };
        // Differences -1 .. -5: the interval of 1..5 mirrored.
        var ci = MeanInterval.Paired(a, b);
        double half = T4 * Math.Sqrt(2.5) / Math.Sqrt(5);
        Assert.Equal(5, ci.Count);
        Assert.Equal(-3, ci.Mean, 9);
        Assert.Equal(-3 - half, ci.Lower, 9);
        Assert.Equal(-3 + half, ci.Upper, 9);
    }

    [Fact]
    public void Of_FewerThanTwoValues_HasNoBounds()
    {
        var one = MeanInterval.Of([0.7, double.NaN]);
        Assert.Equal(0.7, one.Mean);
        Assert.True(double.IsNaN(one.Lower) && double.IsNaN(one.Upper));
        Assert.True(double.IsNaN(MeanInterval.Of([]).Mean));
    }

    [Fact]
    public void Of_CoversTheTrueMean_95PercentOfTheTime()
    {
        // 4000 samples of 10 normal values (Box-Muller, fixed seed): the binomial SD of the coverage is 0.0034,
        // so [0.935, 0.965] is about 4.4 SD either side of 0.95.
        var rng = new Random(11);
        int covered = 0, runs = 4000;
        for (int r = 0; r < runs; r++)
        {
            var x = new double[10];
            for (int i = 0; i < x.Length; i++)
                x[i] = 0.3 + Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            var ci = MeanInterval.Of(x);
            if (ci.Lower <= 0.3 && 0.3 <= ci.Upper) covered++;
        }
        double coverage = covered / (double)runs;
        Assert.InRange(coverage, 0.935, 0.965);
    }
}
