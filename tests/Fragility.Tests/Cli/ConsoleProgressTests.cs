using Fragility.Cli.Infrastructure;
using Fragility.Runtime;

namespace Fragility.Tests.Cli;

/// <summary>The plain (redirected-output) progress lines on a fake clock: rate, time left, the running step, width.</summary>
public sealed class ConsoleProgressTests
{
    private TimeSpan _now;

    [Fact]
    public void ResumedRun_PrintsTheRateOfThisRunOnly()
    {
        // 90 of 100 units read back at once (as sweep does), then 10 more at 2 s each: 0.5 units/s, 2 s a unit.
        // A line every 5 s: at 0, 6, 12 and 18 s, and at the end.
        var lines = Plain(progress =>
        {
            progress.Report(new ProgressUpdate("work", 90, 100, Resumed: 90));
            for (int i = 91; i <= 100; i++)
            {
                _now += TimeSpan.FromSeconds(2);
                progress.Report(new ProgressUpdate("work", i, 100, Resumed: 90));
            }
        });
        Assert.Equal("[test] work: 100/100 (100%), 2 s/unit, 00:00:20 elapsed, 00:00:00 left", lines[^1]);
        Assert.Contains(lines, l => l.Contains("96/100", StringComparison.Ordinal) && l.Contains("00:00:08 left", StringComparison.Ordinal));
    }

    [Fact]
    public void TheLineNamesTheRunningStep()
    {
        var lines = Plain(progress =>
        {
            progress.Report(new ProgressUpdate("sweep", 0, 4, "gradient random_sign eps 8"));
            _now += TimeSpan.FromSeconds(6);
            progress.Report(new ProgressUpdate("sweep", 1, 4, "gradient topk eps 8"));
        });
        // The second report's line (wrapped: it is longer than 80 columns), read as one.
        string last = string.Join(" ", lines.SkipWhile(l => !l.Contains("1/4", StringComparison.Ordinal)).Select(l => l.Trim()));
        Assert.EndsWith("running: gradient topk eps 8", last, StringComparison.Ordinal);
    }

    [Fact]
    public void LongLines_WrapAtWordsWithin80Columns()
    {
        const string status = "integrated_gradients mass_center eps 0.0313725, images 1025-1056 of 10000 (batch 33 of 313)";
        var lines = Plain(progress => progress.Report(new ProgressUpdate("influence attack", 5, 10000, status)));
        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.InRange(l.Length, 1, 80));
        string full = ConsoleProgress.PlainLine("test", Estimator(new ProgressUpdate("influence attack", 5, 10000, status)));
        // No word was cut: the words of the wrapped lines are those of the whole line.
        Assert.Equal(full.Split(' '), lines.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("gradient topk eps 8, images 1-32 of 32", 20, "gradient topk eps 8…")]
    [InlineData("gradient topk eps 8, images 1-32 of 32", 12, "gradient…")]
    [InlineData("short", 12, "short")]
    public void Shorten_KeepsWholeWords(string text, int width, string expected)
    {
        string shortened = ConsoleProgress.Shorten(text, width);
        Assert.Equal(expected, shortened);
        Assert.True(shortened.Length <= width);
    }

    [Theory]
    [InlineData(2890.4, "2890/s")]
    [InlineData(2.5, "2.5/s")]
    [InlineData(0.05, "20 s/unit")]
    [InlineData(0.003, "333 s/unit")]
    public void Rate_NeverUsesExponents(double rate, string expected) => Assert.Equal(expected, ConsoleProgress.Rate(rate));

    [Fact]
    public void Time_KeepsHoursPastADay() => Assert.Equal("27:03:04", ConsoleProgress.Time(new TimeSpan(1, 3, 3, 4)));

    private List<string> Plain(Action<IProgress<ProgressUpdate>> work)
    {
        var output = new StringWriter();
        ConsoleProgress.RunPlain("test", progress => { work(progress); return 0; }, output, () => _now);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
    }

    private ProgressEstimator Estimator(ProgressUpdate update)
    {
        var e = new ProgressEstimator(() => _now);
        e.Observe(update);
        return e;
    }
}
