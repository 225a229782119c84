using System.Globalization;
using Fragility.Audit;
using Fragility.Runtime;

namespace Fragility.Cli.Infrastructure;

/// <summary>The audit's terminal output: the plan before the run, and a compact score card after it (80 columns).</summary>
internal static class AuditSummary
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>What the audit chose and why, its estimated time and the expected width of its intervals.</summary>
    public static void WritePlan(CliConsole console, AuditPlan plan)
    {
        var c = plan.Choice;
        var s = plan.Sweep;
        foreach (var (method, why) in plan.Skipped) console.Say($"note: {method} is left out: {why}");
        console.Say((plan.Reused ? "Resuming the planned audit: " : $"Calibrated in {Durations.ForPeople(plan.CalibrationSeconds)}; chose ") +
            $"{c.Images} of {plan.UsableImages} usable images x {c.Iterations} iterations of {s.Step.ToString("0.##", Inv)}/255 ({c.Reason}), " +
            $"{plan.GridMethods.Count} maps ({string.Join(", ", plan.GridMethods)}) x random, top-k, mass-center x eps {string.Join(",", s.Epsilons.Select(e => e.ToString("0.##", Inv)))}/255.");
        if (!plan.Reused)
            console.Say($"Estimated time: {Durations.ForPeople(c.EstimatedSeconds)} of the {Durations.ForPeople(plan.Settings.Budget.TotalSeconds)} budget. " +
                $"95 % intervals of a mean top-k intersection: about ±{c.HalfWidth(0.15).ToString("0.00", Inv)} if images spread by 0.15 (docs/scorecard.md), at most ±{Math.Min(1, c.HalfWidth(0.5)).ToString("0.00", Inv)}.");
    }

    /// <summary>The verdict, one line per method, the recommendation and the files written.</summary>
    public static void WriteCard(CliConsole console, ScoreCard card, string directory)
    {
        string E = card.VerdictEpsilon.ToString("0.##", Inv);
        console.Line();
        console.Line($"Top-k kept at eps {E}/255 (1 = map unmoved), 95 % bootstrap intervals:");
        console.Line($"{"method",-16} {"verdict",-12} {"attacked",-17} {"random",5} {"breaks",7} {"sanity",7}");
        foreach (var m in card.Methods)
        {
            string attacked = double.IsFinite(m.Robustness.Lower)
                ? $"{F(m.Robustness.Mean)} [{F(m.Robustness.Lower)},{F(m.Robustness.Upper)}]" : F(m.Robustness.Mean);
            console.Line($"{Cut(m.Method, 16),-16} {VerdictThresholds.Words(m.Verdict),-12} {attacked,-17} {F(m.Epsilons[^1].TopKRandom.Mean),5} " +
                $"{(m.BreakingEpsilon is double b ? b.ToString("0.##", Inv) : "-"),7} {(m.PassesSanity ? "passes" : "FAILS"),7}");
        }
        foreach (var d in card.Defences)
            console.Line($"  defence {Cut(d.Defence, 14),-14} gain {F(d.Gain.Mean),5} at {d.CostRatio.ToString("0.#", Inv)}x the cost: {(d.WorthIt ? "worth it" : "not worth it")}");
        console.Line();
        console.Say($"Verdict: {VerdictThresholds.Words(card.Verdict).ToUpperInvariant()} ({card.ShownMethod}).");
        foreach (string line in card.Recommendation.Text) console.Say("- " + line);
        console.Say($"Wrote {Path.GetFullPath(directory)}: {ScoreCardFiles.Json}, {ScoreCardFiles.Markdown}, {ScoreCardFiles.Report}.");
    }

    /// <summary>A note when the audit took clearly longer than its budget (more than a tenth over): the plan was sized on
    /// the machine as it was during the calibration.</summary>
    public static void WriteOverrun(CliConsole console, TimeSpan elapsed, TimeSpan budget)
    {
        if (elapsed.TotalSeconds <= 1.1 * budget.TotalSeconds) return;
        console.Say($"note: the audit took {Durations.ForPeople(elapsed.TotalSeconds)}, over its {Durations.ForPeople(budget.TotalSeconds)} budget: the plan was sized " +
            "on the machine as it was during the calibration, and other work slowed it since. Give fewer --jobs or a quieter machine for a closer fit.");
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.00", Inv) : "-";

    private static string Cut(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";
}
