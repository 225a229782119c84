using System.Globalization;
using Fragility.Attacks;
using Fragility.Reporting;

namespace Fragility.Audit;

/// <summary>Turns an audit's measurements (results.jsonl and checks.jsonl) into its <see cref="ScoreCard"/>: the
/// intervals, verdicts, breaking epsilons, defences, worst cases and the recommendation in words.</summary>
internal static class ScoreCardBuilder
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static ScoreCard Build(AuditPlan plan, IReadOnlyList<ResultRecord> records, IReadOnlyList<MethodCheck> checks,
        IReadOnlyDictionary<string, string> descriptions, ScoreCardContext context)
    {
        var settings = plan.Settings;
        var thresholds = settings.Thresholds;
        var epsilons = settings.Epsilons.Order().ToArray();
        double top = epsilons[^1];
        var check = checks.ToDictionary(c => c.Method);
        int seed = settings.Seed;
        var perImageT = new Dictionary<string, Dictionary<int, double>>();

        MethodScore Score(string method, int index)
        {
            var mine = records.Where(r => r.Method == method).ToList();
            var lines = new List<EpsilonScore>();
            foreach (var (e, j) in epsilons.Select((e, j) => (e, j)))
            {
                var at = mine.Where(r => r.Epsilon == e).ToList();
                var attacked = at.Where(r => r.Attack is AttackNames.TopK or AttackNames.MassCenter).GroupBy(r => r.Image).ToList();
                var topk = attacked.ToDictionary(g => g.Key, g => g.Min(r => r.TopkIntersection ?? double.NaN));
                var spearman = attacked.Select(g => g.Min(r => r.Spearman ?? double.NaN));
                var random = at.Where(r => r.Attack == AttackNames.Random).ToList();
                int s = seed + 1000 * index + 10 * j;
                var kept = attacked.SelectMany(g => g).Select(r => r.Failed ? 0.0 : 1.0).ToList();
                lines.Add(new EpsilonScore(e, ScoreInterval.Of(topk.Values, s), ScoreInterval.Of(spearman, s + 1),
                    ScoreInterval.Of(random.Select(r => r.TopkIntersection ?? double.NaN), s + 2), ScoreInterval.Of(random.Select(r => r.Spearman ?? double.NaN), s + 3),
                    kept.Count == 0 ? double.NaN : kept.Average()));
                if (e == top) perImageT[method] = topk;
            }
            var robustness = lines[^1].TopKAttacked;
            var c = check.GetValueOrDefault(method);
            double randomisation = c is null ? double.NaN : Mean(c.Randomisation);
            return new MethodScore
            {
                Method = method, Description = descriptions.GetValueOrDefault(method, method), Verdict = thresholds.Of(robustness.Mean), Robustness = robustness,
                BreakingEpsilon = lines.FirstOrDefault(l => l.TopKAttacked.Mean < thresholds.Broken)?.Epsilon, Epsilons = lines,
                Randomisation = randomisation, PassesSanity = randomisation < thresholds.Sanity,
                Deletion = c is null ? double.NaN : Mean(c.Deletion), Insertion = c is null ? double.NaN : Mean(c.Insertion),
                MillisecondsPerMap = c?.MillisecondsPerMap ?? double.NaN,
            };
        }

        var all = plan.GridMethods.Select(Score).ToList();
        var methods = all.Where(m => m.Method != context.BetaMethod).ToList();
        var byName = all.ToDictionary(m => m.Method);
        var defences = new List<DefenceScore>();
        if (byName.TryGetValue(AuditSettings.DefendedMethod, out var plain))
            foreach (var (name, method) in new[] { ("smoothgrad", "smoothgrad"), ($"beta:{settings.DefenceBeta.ToString("R", Inv)}", context.BetaMethod) })
            {
                if (!byName.TryGetValue(method, out var defended)) continue;
                var gain = ScoreInterval.Paired(perImageT[method], perImageT[plain.Method], seed + 77);
                defences.Add(new DefenceScore
                {
                    Defence = name, Method = method, Robustness = defended.Robustness, Gain = gain, MillisecondsPerMap = defended.MillisecondsPerMap,
                    CostRatio = defended.MillisecondsPerMap / plain.MillisecondsPerMap, PassesSanity = defended.PassesSanity,
                    WorthIt = gain.Mean >= thresholds.DefenceGain && gain.Lower > 0,
                });
            }

        var passing = methods.Where(m => m.PassesSanity).ToList();
        var recommended = passing.OrderByDescending(m => Finite(m.Robustness.Mean)).ThenBy(m => Finite(m.MillisecondsPerMap)).FirstOrDefault();
        var defence = defences.Where(d => d.WorthIt && d.PassesSanity).OrderByDescending(d => d.Gain.Mean).FirstOrDefault();
        string? shownName = settings.ShownMethod?.ToLowerInvariant() ?? recommended?.Method
            ?? methods.OrderByDescending(m => Finite(m.Robustness.Mean)).First().Method;
        var shown = byName[shownName];
        var notes = plan.Skipped.Select(s => $"{s.Key} was left out: {s.Value}").ToList();
        double chance = 1.0 / Math.Max(2, plan.ClassCount);
        if (plan.Accuracy is double accuracy && accuracy < 2 * chance)
            notes.Add($"The model classifies only {P(accuracy)} of the {plan.LabelledImages} labelled images correctly (chance is {P(chance)}): check that the images are the model's kind and its class names match the folders; robustness of a model that has learned little says little.");
        if (plan.Choice.Images < AuditBudget.MinimumImages && plan.Choice.Images < plan.UsableImages)
            notes.Add($"Only {plan.Choice.Images} images fit the budget: the intervals are wide. Give a larger --budget for tighter ones.");

        return new ScoreCard
        {
            Model = context.Model, Architecture = context.Architecture, Dataset = plan.Inputs.Dataset, Images = plan.Inputs.Count, UsableImages = plan.UsableImages, Accuracy = plan.Accuracy,
            Iterations = plan.Sweep.Iterations, Step = plan.Sweep.Step, K = context.K, Epsilons = epsilons, VerdictEpsilon = top,
            Reference = context.Reference, Beta = settings.Beta, Thresholds = thresholds, ShownMethod = shown.Method, Verdict = shown.Verdict,
            Methods = methods, Defences = defences,
            Recommendation = Advise(methods, defences, recommended, defence, shown, settings.ShownMethod is not null, context.K, top, thresholds),
            WorstCases = WorstCases(plan, records, all, top), Notes = notes, Command = context.Command,
            CreatedUtc = DateTime.UtcNow.ToString("o", Inv),
        };
    }

    private static Recommendation Advise(IReadOnlyList<MethodScore> methods, IReadOnlyList<DefenceScore> defences, MethodScore? recommended,
        DefenceScore? defence, MethodScore shown, bool shownGiven, int k, double eps, VerdictThresholds thresholds)
    {
        var text = new List<string>();
        string E = eps.ToString("0.##", Inv);
        string Interval(ScoreInterval i, Func<double, string> f) =>
            double.IsFinite(i.Lower) ? $"95 % interval {f(i.Lower)} to {f(i.Upper)}" : $"no interval from {i.N} image{(i.N == 1 ? "" : "s")}";
        string Robust(MethodScore m) =>
            $"it keeps {P(m.Robustness.Mean)} of its top-{k} pixels ({Interval(m.Robustness, P)}) under the strongest attack at ε = {E}/255, " +
            $"against {P(m.Epsilons[^1].TopKRandom.Mean)} under random noise of the same size";
        if (recommended is not null)
        {
            string sanity = $"It passes the sanity check (its maps on a randomised model correlate {N(recommended.Randomisation)} with the trained model's).";
            text.Add(recommended.Verdict == Verdict.Robust
                ? $"Show {recommended.Method}: {Robust(recommended)}; verdict robust. {sanity}"
                : $"No method that passes the sanity check is robust here. The most robust, {recommended.Method}, is {VerdictThresholds.Words(recommended.Verdict)}: " +
                  $"{Robust(recommended)}. {sanity} Do not present its maps as stable explanations without a defence.");
            text.Add(recommended.BreakingEpsilon is double b
                ? $"Its map loses half of its top-{k} pixels from ε = {b.ToString("0.##", Inv)}/255 on."
                : $"No audited ε breaks it: it keeps at least half of its top-{k} pixels up to ε = {E}/255.");
        }
        else text.Add($"No method passes the sanity check: every map stays similar (Spearman ≥ {N(thresholds.Sanity)}) when the model's weights are randomised, so the maps reflect the image more than the model. Do not present them as explanations of this model.");
        var robustButInsane = methods.Where(m => !m.PassesSanity && Finite(m.Robustness.Mean) > Finite(recommended?.Robustness.Mean ?? double.NegativeInfinity)).OrderByDescending(m => m.Robustness.Mean).FirstOrDefault();
        if (robustButInsane is not null)
            text.Add($"{robustButInsane.Method} is more robust (T = {P(robustButInsane.Robustness.Mean)}) but fails the sanity check (correlation {N(robustButInsane.Randomisation)} with a randomised model's maps): its stability comes from ignoring what the model learned.");
        if (defence is not null)
            text.Add($"Defend the gradient map with {defence.Defence}: it raises the kept top-k from {P(defence.Robustness.Mean - defence.Gain.Mean)} to {P(defence.Robustness.Mean)} " +
                $"(paired gain {Signed(defence.Gain.Mean)}, {Interval(defence.Gain, Signed)}) at {N(defence.CostRatio)}× the cost per map ({N(defence.MillisecondsPerMap)} ms).");
        else if (defences.Count > 0)
            text.Add("No defence is worth its cost here: " + string.Join("; ", defences.Select(d =>
                $"{d.Defence} changes the kept top-k by {Signed(d.Gain.Mean)} ({Interval(d.Gain, Signed)}) at {N(d.CostRatio)}× the cost")) +
                $" (worth it means a gain of at least {Signed(thresholds.DefenceGain)} with an interval above zero).");
        if (shownGiven && shown.Method != recommended?.Method)
            text.Add($"The method you show, {shown.Method}, is {VerdictThresholds.Words(shown.Verdict)}: {Robust(shown)}" +
                (shown.PassesSanity ? "." : "; and it fails the sanity check."));
        return new Recommendation(recommended?.Method, defence?.Defence, text);
    }

    /// <summary>Per method, the image (among those with arrays) whose map the attacks moved most at the largest epsilon.</summary>
    private static IReadOnlyList<WorstCase> WorstCases(AuditPlan plan, IReadOnlyList<ResultRecord> records, IReadOnlyList<MethodScore> methods, double eps)
    {
        var withArrays = plan.Inputs.Indices.Take(plan.Sweep.ArrayImages).ToHashSet();
        var cases = new List<WorstCase>();
        foreach (var m in methods)
        {
            var worst = records.Where(r => r.Method == m.Method && r.Epsilon == eps && r.Attack is AttackNames.TopK or AttackNames.MassCenter
                    && withArrays.Contains(r.Image) && r.TopkIntersection is not null)
                .OrderBy(r => r.TopkIntersection).ThenBy(r => r.Image).FirstOrDefault();
            if (worst is not null)
                cases.Add(new WorstCase(m.Method, worst.Image, worst.Item ?? $"test:{worst.Image}", worst.Attack, worst.TopkIntersection!.Value, null));
        }
        return cases;
    }

    private static double Mean(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? double.NaN : finite.Average();
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : double.NegativeInfinity;

    internal static string P(double v) => double.IsFinite(v) ? (100 * v).ToString("0", Inv) + " %" : "—";

    internal static string N(double v) => double.IsFinite(v) ? v.ToString(Math.Abs(v) >= 10 ? "0" : "0.##", Inv) : "—";

    private static string Signed(double v) => double.IsFinite(v) ? (v >= 0 ? "+" : "−") + (100 * Math.Abs(v)).ToString("0", Inv) + " pts" : "—";
}
