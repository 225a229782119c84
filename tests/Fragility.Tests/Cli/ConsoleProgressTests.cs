using Fragility.Cli.Infrastructure;
using Fragility.Runtime;

namespace Fragility.Tests.Cli;

/// <summary>The plain (redirected-output) progress lines: rate and time left.</summary>
[Collection("console")]
public sealed class ConsoleProgressTests
{
    [Fact]
    public void ResumedUnitsDoNotInflateTheRate()
    {
        // A resumed run reports 90 of 100 units done at once (as sweep does), then finishes 10 more in about 0.2 s:
        // about 50 units/s. Counting the 90 resumed units would print about 500/s.
        var line = LastLine(progress =>
        {
            progress.Report(new ProgressUpdate("work", 90, 100, Resumed: 90));
            for (int i = 91; i <= 100; i++)
            {
                Thread.Sleep(20);
                progress.Report(new ProgressUpdate("work", i, 100, Resumed: 90));
            }
        });
        Assert.Contains("work: 100/100", line);
        Assert.InRange(Rate(line), 1, 200);
    }

    [Fact]
    public void UnitsMarkedResumedDoNotCountTowardTheRate()
    {
        // Resumed rows reported one at a time (as defend does), each carrying the running count of resumed units.
        var line = LastLine(progress =>
        {
            progress.Report(new ProgressUpdate("work", 0, 100));
            for (int i = 1; i <= 90; i++) progress.Report(new ProgressUpdate("work", i, 100, Resumed: i));
            for (int i = 91; i <= 100; i++)
            {
                Thread.Sleep(20);
                progress.Report(new ProgressUpdate("work", i, 100, Resumed: 90));
            }
        });
        Assert.Contains("work: 100/100", line);
        Assert.InRange(Rate(line), 1, 200);
    }

    private static string LastLine(Action<IProgress<ProgressUpdate>> work)
    {
        var oldOut = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try { ConsoleProgress.Run("test", progress => { work(progress); return 0; }); }
        finally { Console.SetOut(oldOut); }
        return output.ToString().Trim().Split('\n')[^1];
    }

    private static double Rate(string line) =>
        double.Parse(line.Split(", ")[1].Split("/s")[0], System.Globalization.CultureInfo.InvariantCulture);
}
