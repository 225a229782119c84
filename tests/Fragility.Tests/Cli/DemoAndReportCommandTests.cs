using System.Text.Json.Nodes;

namespace Fragility.Tests.Cli;

/// <summary><c>fragility demo</c> (a sweep with the demo's defaults, each overridable) and <c>fragility report</c>
/// from the command line.</summary>
[Collection("console")]
public sealed class DemoAndReportCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"fragility-demo-cli-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void DemoRunsTheSweepWithItsDefaultsAndWritesTheReport()
    {
        string outDir = Path.Combine(_dir, "demo");
        var (code, output, error) = CliHarness.Run("demo", "--images", "2", "--iterations", "2", "--methods", "gradient", "--epsilons", "8", "--out", outDir);
        Assert.True(code == 0, error);
        Assert.Contains("Summary at the largest epsilon", output);
        Assert.Equal(2 * 3, File.ReadAllLines(Path.Combine(outDir, "results.jsonl")).Length);   // images x attacks x epsilons
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")))!;
        Assert.Equal("sample", run["dataset"]!.GetValue<string>());   // the demo's own defaults, not sweep's
        Assert.Equal(1.0, run["step"]!.GetValue<double>());
        Assert.Equal(2, run["iterations"]!.GetValue<int>());           // and the override wins
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")));
    }

    [Fact]
    public void ReportWritesOneFileAndRefusesBadInput()
    {
        string outDir = Path.Combine(_dir, "demo");
        Assert.Equal(0, CliHarness.Run("demo", "--images", "2", "--iterations", "2", "--methods", "gradient", "--epsilons", "8", "--out", outDir).Code);
        string html = Path.Combine(_dir, "r.html");
        var (code, output, error) = CliHarness.Run("report", outDir, "--out", html, "--gallery", "1");
        Assert.True(code == 0, error);
        Assert.Contains("r.html", output);
        string text = File.ReadAllText(html);
        Assert.Contains("Fragility report", text);
        Assert.DoesNotContain("src=\"http", text);   // self-contained

        foreach (var args in new[] { new[] { "report", Path.Combine(_dir, "missing") }, ["report", outDir, "--gallery", "-1"] })
        {
            (code, _, error) = CliHarness.Run(args);
            Assert.Equal(2, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.StartsWith("error:", error);
        }
    }
}
