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
        // A resumed run reports 90 of 100 units done at once, then finishes 10 more in about 0.2 s: about 50 units/s.
        // Counting the 90 resumed units would print about 500/s.
        var oldOut = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            ConsoleProgress.Run("test", progress =>
            {
                progress.Report(new ProgressUpdate("work", 90, 100));
                for (int i = 91; i <= 100; i++)
                {
                    Thread.Sleep(20);
                    progress.Report(new ProgressUpdate("work", i, 100));
                }
                return 0;
            });
        }
        finally { Console.SetOut(oldOut); }
        var last = output.ToString().Trim().Split('\n')[^1];
        Assert.Contains("work: 100/100", last);
        var rate = double.Parse(last.Split(", ")[1].Split("/s")[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(rate, 1, 200);
    }
}
