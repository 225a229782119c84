using Fragility.Reporting;
using MathNet.Numerics.Distributions;
using Xunit.Abstractions;

namespace Fragility.Tests.Reporting;

public sealed class BootstrapIntervalTests(ITestOutputHelper output)
{
    private const int Runs = 1000;

    // The expanded percentile interval is built to cover at the stated level (0.95) at every n: the plain percentile
    // interval would cover only P(|t(n−1)| < z·√((n−1)/n)) ≈ 0.904 at n = 10, outside this test's band. The test asserts
    // 0.95 to within 3.5 binomial SDs over 1000 runs (±0.024). An interval built from the spread of the values rather
    // than of the means, at the wrong level (0.90 covers ≈ 0.90), or without the expansion at n = 10, fails.
    private static double ExpectedCoverage(int n) => n > 1 ? 0.95 : double.NaN;

    private static double Coverage(Func<Random, double> draw, double truth, int n, int seed)
    {
        var rng = new Random(seed);
        int covered = 0;
        var x = new double[n];
        for (int r = 0; r < Runs; r++)
        {
            for (int i = 0; i < n; i++) x[i] = draw(rng);
            var ci = BootstrapInterval.OfMean(x, seed: r);
            if (ci.Lower <= truth && truth <= ci.Upper) covered++;
        }
        return covered / (double)Runs;
    }

    private void AssertCoverage(string name, double coverage, int n)
    {
        double expected = ExpectedCoverage(n);
        double sd = Math.Sqrt(expected * (1 - expected) / Runs);
        output.WriteLine($"{name}, n = {n}: coverage {coverage:F3} over {Runs} samples; expected {expected:F3} ± {3.5 * sd:F3}");
        Assert.InRange(coverage, expected - 3.5 * sd, expected + 3.5 * sd);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(10)]
    public void OfMean_CoversTheMeanOfABetaAtTheExpectedRate(int n)
    {
        // Beta(2, 5): bounded in [0, 1] and right-skewed like a top-k intersection; mean 2/7.
        AssertCoverage("Beta(2,5)", Coverage(rng => Beta.Sample(rng, 2, 5), 2.0 / 7, n, seed: 3), n);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(10)]
    public void OfMean_CoversTheMeanOfAMixWithMassAtOne_AtTheExpectedRate(int n)
    {
        // 30 % exactly 1 (the attack left the top-k untouched), else Beta(2, 5): mean 0.3 + 0.7 · 2/7 = 0.5.
        AssertCoverage("30 % ones + Beta(2,5)", Coverage(rng => rng.NextDouble() < 0.3 ? 1.0 : Beta.Sample(rng, 2, 5), 0.5, n, seed: 5), n);
    }

    [Fact]
    public void OfMean_IsReproducibleWithTheSameSeed_AndDiffersWithAnother()
    {
        var rng = new Random(1);
        var x = Enumerable.Range(0, 200).Select(_ => rng.NextDouble()).ToArray();
        var a = BootstrapInterval.OfMean(x, seed: 42);
        var b = BootstrapInterval.OfMean(x, seed: 42);
        var c = BootstrapInterval.OfMean(x, seed: 43);
        Assert.Equal(a, b);
        Assert.Equal(a.Mean, c.Mean);
        Assert.NotEqual(a.Lower, c.Lower);
        Assert.NotEqual(a.Upper, c.Upper);
        Assert.Equal(2000, a.Resamples);
        Assert.Equal(0.95, a.Level);
    }

    [Fact]
    public void OfMean_DegenerateSamples()
    {
        var empty = BootstrapInterval.OfMean([]);
        Assert.Equal(0, empty.Count);
        Assert.True(double.IsNaN(empty.Mean) && double.IsNaN(empty.Lower) && double.IsNaN(empty.Upper));

        var one = BootstrapInterval.OfMean([0.7]);
        Assert.Equal(1, one.Count);
        Assert.Equal(0.7, one.Mean);
        Assert.True(double.IsNaN(one.Lower) && double.IsNaN(one.Upper) && double.IsNaN(one.HalfWidth));

        // 0.1 is not exact in binary, so a mean computed differently from the resampled ones could drift by an ulp.
        var constant = BootstrapInterval.OfMean(Enumerable.Repeat(0.1, 37));
        Assert.Equal(0.1, constant.Mean, 15);
        Assert.Equal(constant.Mean, constant.Lower);
        Assert.Equal(constant.Mean, constant.Upper);
        Assert.Equal(0, constant.HalfWidth);
    }

    [Fact]
    public void OfMean_IgnoresNonFiniteValues()
    {
        double[] clean = [0.2, 0.9, 0.4, 0.4, 0.7, 0.1];
        double[] dirty = [double.NaN, 0.2, 0.9, double.PositiveInfinity, 0.4, 0.4, double.NegativeInfinity, 0.7, 0.1];
        var ci = BootstrapInterval.OfMean(dirty, seed: 9);
        Assert.Equal(BootstrapInterval.OfMean(clean, seed: 9), ci);
        Assert.Equal(6, ci.Count);
        Assert.Equal(2.7 / 6, ci.Mean, 12);
    }

    [Theory]
    [InlineData(0.0, 2000)]
    [InlineData(1.0, 2000)]
    [InlineData(double.NaN, 2000)]
    [InlineData(0.95, 99)]
    public void OfMean_RejectsBadArguments(double level, int resamples)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapInterval.OfMean([1, 2, 3], level, resamples));
    }

    [Fact]
    public void OfMean_AgreesWithTheTInterval_ForALargeNormalSample()
    {
        // With n = 1000 normal values the mean is normal and t(999) ≈ z, so both intervals estimate the same thing;
        // the bootstrap's Monte Carlo error at 2000 resamples is ≈ 0.06 standard errors per bound, ≈ 1.5 % of the width.
        var rng = new Random(17);
        var x = Enumerable.Range(0, 1000).Select(_ => Normal.Sample(rng, 0.4, 0.2)).ToArray();
        var boot = BootstrapInterval.OfMean(x, seed: 1);
        var t = MeanInterval.Of(x);
        double width = t.Upper - t.Lower;
        Assert.Equal(t.Mean, boot.Mean, 12);
        Assert.InRange(boot.Lower, t.Lower - 0.1 * width, t.Lower + 0.1 * width);
        Assert.InRange(boot.Upper, t.Upper - 0.1 * width, t.Upper + 0.1 * width);
        // A bound that fell back to a point (or to the spread of the values) would not be within 10 % of a bound.
        Assert.InRange(boot.HalfWidth / t.HalfWidth, 0.9, 1.1);
    }

    [Fact]
    public void OfPairedDifference_IsOfMeanOfTheSharedDifferences()
    {
        var a = new Dictionary<int, double> { [0] = 0.5, [1] = 0.4, [2] = 0.3, [3] = 0.6, [4] = 0.2, [5] = double.NaN, [9] = -100 };
        var b = new Dictionary<int, double> { [0] = 0.1, [1] = 0.9, [2] = 0.3, [3] = 0.2, [4] = 0.8, [5] = 0.5, [7] = 100 };
        var paired = BootstrapInterval.OfPairedDifference(a, b, level: 0.9, resamples: 500, seed: 4);
        var direct = BootstrapInterval.OfMean([0.4, -0.5, 0.0, 0.4, -0.6], level: 0.9, resamples: 500, seed: 4);
        Assert.Equal(5, paired.Count);
        Assert.Equal(direct.Mean, paired.Mean, 12);
        Assert.Equal(direct.Lower, paired.Lower, 12);
        Assert.Equal(direct.Upper, paired.Upper, 12);
    }
}
