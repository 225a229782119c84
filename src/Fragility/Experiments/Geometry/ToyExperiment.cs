using Fragility.Geometry;
using Fragility.Runtime;
using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Dimension scaling on the toy model (<see cref="ToyModel"/>): for each input dimension and each number of units,
/// several random draws; writes <c>toy.csv</c> (mean per dimension and units), <c>per-image/toy-draws.csv</c> (every
/// draw), <c>toy.png</c> (relative change of the gradient map against d with the analytic prediction, and top-k
/// intersection against d) and <c>section.json</c>.
/// </summary>
public static class ToyExperiment
{
    /// <summary>Runs the sweep.</summary>
    /// <param name="outDir">Output folder.</param>
    /// <param name="dimensions">Input dimensions d (e.g. 10 .. 1e6).</param>
    /// <param name="hidden">Unit counts m (1 is the paper's rank-one toy).</param>
    /// <param name="epsilon255">Epsilon on the 0-255 scale (8 means 8/255).</param>
    /// <param name="scale">Per-coordinate weight scale s.</param>
    /// <param name="draws">Random draws per dimension.</param>
    /// <param name="seed">Base seed.</param>
    /// <param name="progress">Receives "toy" updates.</param>
    public static ExperimentSummary Run(string outDir, IReadOnlyList<int> dimensions, IReadOnlyList<int> hidden, double epsilon255,
        double scale, int draws, int seed = 0, IProgress<ProgressUpdate>? progress = null)
    {
        if (dimensions.Count == 0 || hidden.Count == 0) throw new FragilityException("The toy needs at least one dimension and one unit count.");
        if (draws < 1) throw new FragilityException($"--draws must be at least 1, got {draws}.");
        double eps = epsilon255 / 255.0;
        var all = new List<ToyMeasurement>();
        int total = dimensions.Count * hidden.Count * draws, done = 0;
        foreach (int m in hidden)
            foreach (int d in dimensions)
                for (int r = 0; r < draws; r++)
                {
                    all.Add(ToyModel.Measure(d, eps, scale, m, 0.0, seed + 1000 * r + d % 997));
                    progress?.Report(new ProgressUpdate("toy", ++done, total, $"d = {d}, m = {m}"));
                }
        WriteCsv(Path.Combine(outDir, DetailFolder, "toy-draws.csv"),
            ["dimension", "units", "seed", "w_l1", "relative_change", "first_order", "exact", "topk_intersection", "spearman"],
            all.Select(t => new object?[] { t.Dimension, t.Hidden, t.Seed, t.WeightL1, t.RelativeChange, t.FirstOrder, t.Exact, t.TopKIntersection, t.Spearman }));
        var groups = all.GroupBy(t => (t.Hidden, t.Dimension)).OrderBy(g => g.Key.Hidden).ThenBy(g => g.Key.Dimension).ToList();
        WriteCsv(Path.Combine(outDir, "toy.csv"),
            ["units", "dimension", "draws", "mean_relative_change", "mean_first_order", "mean_exact", "analytic_expected", "mean_topk_intersection", "mean_spearman"],
            groups.Select(g => new object?[] { g.Key.Hidden, g.Key.Dimension, g.Count(), g.Average(t => t.RelativeChange), g.Average(t => t.FirstOrder),
                g.Key.Hidden == 1 ? g.Average(t => t.Exact) : double.NaN, g.Key.Hidden == 1 ? ToyModel.ExpectedFirstOrder(g.Key.Dimension, eps, scale) : double.NaN,
                g.Average(t => t.TopKIntersection), g.Average(t => t.Spearman) }));

        var change = GeometryPlots.New("Relative change of the gradient map", "input dimension d", "||grad f(x+δ) - grad f(x)|| / ||grad f(x)||");
        var topk = GeometryPlots.New("Top-k intersection (k = 10% of d)", "input dimension d", "top-k intersection");
        int colour = 0;
        foreach (int m in hidden)
        {
            var rows = groups.Where(g => g.Key.Hidden == m).ToList();
            var xs = GeometryPlots.Log10(rows.Select(g => (double)g.Key.Dimension));
            var measured = change.Add.Scatter(xs, GeometryPlots.Log10(rows.Select(g => g.Average(t => t.RelativeChange))), GeometryPlots.Colour(colour));
            measured.LegendText = m == 1 ? "measured, rank-one toy (m = 1)" : $"measured, m = {m} units";
            measured.MarkerSize = 8;
            var first = change.Add.Scatter(xs, GeometryPlots.Log10(rows.Select(g => g.Average(t => t.FirstOrder))), GeometryPlots.Colour(colour));
            first.LegendText = m == 1 ? "first order |g''/g'| ε ||w||₁" : $"first order ||Hδ||/||∇f||, m = {m}";
            first.LinePattern = ScottPlot.LinePattern.Dashed;
            first.MarkerSize = 0;
            var t = topk.Add.Scatter(xs, rows.Select(g => g.Average(t => t.TopKIntersection)).ToArray(), GeometryPlots.Colour(colour));
            t.LegendText = m == 1 ? "rank-one toy (m = 1)" : $"m = {m} units";
            t.MarkerSize = 8;
            colour++;
        }
        GeometryPlots.LogAxis(change.Axes.Bottom);
        GeometryPlots.LogAxis(change.Axes.Left);
        GeometryPlots.LogAxis(topk.Axes.Bottom);
        topk.Axes.SetLimitsY(0, 1.05);
        change.ShowLegend(ScottPlot.Alignment.UpperLeft);
        topk.ShowLegend(ScottPlot.Alignment.LowerLeft);
        GeometryPlots.SaveRow(Path.Combine(outDir, "toy.png"), [change, topk]);

        var rankOne = groups.Where(g => g.Key.Hidden == 1).ToList();
        var numbers = new Dictionary<string, double>();
        var lines = new List<string>();
        if (rankOne.Count >= 2)
        {
            var lo = rankOne[0]; var hi = rankOne[^1];
            double growth = hi.Average(t => t.RelativeChange) / lo.Average(t => t.RelativeChange);
            numbers["rank_one_growth"] = growth;
            lines.Add($"Rank-one toy: relative change {Num(lo.Average(t => t.RelativeChange))} at d = {lo.Key.Dimension}, {Num(hi.Average(t => t.RelativeChange))} at d = {hi.Key.Dimension} (first order {Num(lo.Average(t => t.FirstOrder))} and {Num(hi.Average(t => t.FirstOrder))}); top-k intersection {Num(rankOne.Min(g => g.Average(t => t.TopKIntersection)))} at every d (the change is along w).");
        }
        foreach (int m in hidden.Where(m => m > 1))
        {
            var rows = groups.Where(g => g.Key.Hidden == m).ToList();
            numbers[$"topk_m{m}_largest_d"] = rows[^1].Average(t => t.TopKIntersection);
            numbers[$"topk_m{m}_smallest_d"] = rows[0].Average(t => t.TopKIntersection);
            lines.Add($"m = {m} units: top-k intersection {Num(rows[0].Average(t => t.TopKIntersection))} at d = {rows[0].Key.Dimension}, {Num(rows[^1].Average(t => t.TopKIntersection))} at d = {rows[^1].Key.Dimension}; relative change {Num(rows[0].Average(t => t.RelativeChange))} to {Num(rows[^1].Average(t => t.RelativeChange))}.");
        }
        WriteSection(outDir, "Geometry: dimension scaling of the toy model",
            $"Toy model f(x) = Σ_j a_j softplus(w_j·x + b_j), x ~ U[0,1]^d, w_ji ~ N(0, {Num(scale)}²), every unit at z0 = 0, δ = ε sign(w) (m = 1) or ε sign(∇f) (m > 1), ε = {Num(epsilon255)}/255, {draws} draws per point. " +
            "The rank-one toy's gradient map changes by exactly g'(z0 + ε||w||₁)/g'(z0) − 1 relative to its size, to first order |g''/g'| ε ||w||₁, which grows linearly with d; the change is parallel to w, so the ranking of the map cannot change. " + string.Join(" ", lines),
            new Dictionary<string, string>
            {
                ["toy.png"] = "Left: relative change of the gradient map against the input dimension (log-log), measured by autograd (markers) and the first-order prediction (dashed). Right: top-k intersection of the saliency maps.",
                ["toy.csv"] = "Means per number of units and dimension.",
            });
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
