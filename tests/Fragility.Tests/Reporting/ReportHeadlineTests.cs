using System.Globalization;
using System.Text.Json;
using Fragility.Reporting;

namespace Fragility.Tests.Reporting;

/// <summary>The report's first screen: the claim with paired intervals, the budget, the incomplete-run banner and the tile arithmetic.</summary>
public sealed class ReportHeadlineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("headline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Per image: attacked and random top-k intersection at eps 8 (Spearman = top-k - 0.1).
    private static readonly double[] Attacked = [0.30, 0.42, 0.35, 0.50, 0.28];
    private static readonly double[] Random = [0.55, 0.60, 0.52, 0.58, 0.49];

    private string Sweep(int images, int keepLines, int iterations = 30, double step = 1)
    {
        var run = new Dictionary<string, object?>
        {
            ["images"] = images, ["methods"] = new[] { "gradient" }, ["attacks"] = new[] { "random", "topk" },
            ["epsilons"] = new[] { 8.0 }, ["iterations"] = iterations, ["step"] = step, ["k"] = 6,
        };
        File.WriteAllText(Path.Combine(_dir, "run.json"), JsonSerializer.Serialize(run));
        var lines = new List<string>();
        for (int i = 0; i < images; i++)
            foreach (var (attack, v) in new[] { ("random", Random[i]), ("topk", Attacked[i]) })
                lines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["image"] = i, ["method"] = "gradient", ["attack"] = attack, ["epsilon"] = 8, ["k"] = 6,
                    ["topk_intersection"] = v, ["spearman"] = v - 0.1, ["center_shift"] = 1.0,
                }));
        File.WriteAllLines(Path.Combine(_dir, "results.jsonl"), lines.Take(keepLines));
        return _dir;
    }

    /// <summary>The report as text a reader sees: entities decoded (the encoder writes × as &amp;#215;).</summary>
    private static string Text(string sweep) => System.Net.WebUtility.HtmlDecode(new HtmlReport().Build(sweep, out _));

    private static string F(double v) => v.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);

    [Fact]
    public void Claim_ShowsAttackedAndRandomSideBySide_WithThePairedTInterval()
    {
        string html = Text(Sweep(5, 10));
        // Independent computation: differences, mean, sample SD, t(4, 0.975) = 2.776445 from tables.
        var d = Attacked.Zip(Random, (a, r) => a - r).ToArray();
        double mean = d.Average();
        double sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1));
        double half = 2.7764451051977987 * sd / Math.Sqrt(d.Length);
        Assert.Contains("id=\"claim\"", html);
        Assert.Contains(Attacked.Average().ToString("0.00", CultureInfo.InvariantCulture), html);
        Assert.Contains(Random.Average().ToString("0.00", CultureInfo.InvariantCulture), html);
        Assert.Contains($"{F(mean)} <span class=\"pm\">[{F(mean - half)}, {F(mean + half)}]</span>", html);
        Assert.Contains("For every method below, the attack moves the top-k pixels further", html);
        // The claim comes before the figure, the figure before the settings.
        int claim = html.IndexOf("id=\"claim\"", StringComparison.Ordinal);
        int figure = html.IndexOf("id=\"figure\"", StringComparison.Ordinal);
        int settings = html.IndexOf("id=\"settings\"", StringComparison.Ordinal);
        Assert.True(claim < figure && figure < settings, $"claim {claim}, figure {figure}, settings {settings}");
    }

    [Fact]
    public void Budget_SaysWhenItIsReducedFromThePapers()
    {
        string reduced = Text(Sweep(5, 10, iterations: 30, step: 1));
        Assert.Contains("Attack budget: 30 iterations of step 1/255", reduced);
        Assert.Contains("Reduced from the paper's 300 × 0.5/255", reduced);
        string full = Text(Sweep(5, 10, iterations: 300, step: 0.5));
        Assert.DoesNotContain("Reduced from", full);
        Assert.Contains("The paper's budget.", full);
    }

    [Fact]
    public void IncompleteRun_IsAnnounced_AndTheTileArithmeticHolds()
    {
        // 5 inputs x 1 method x 2 attacks x 1 epsilon = 10 planned; 7 written.
        string partial = Text(Sweep(5, 7));
        Assert.Contains("Incomplete run:", partial);
        Assert.Contains("holds 7 of the 10 planned results", partial);
        Assert.Contains(">7 of 10<", partial);
        Assert.Contains("planned 10 = 5 inputs × 1 method × 2 attacks × 1 ε", partial);

        string complete = Text(Sweep(5, 10));
        Assert.DoesNotContain("Incomplete run:", complete);
        Assert.Contains("= 5 inputs × 1 method × 2 attacks × 1 ε", complete);
    }
}
