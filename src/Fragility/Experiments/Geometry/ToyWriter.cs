using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>Writes a <see cref="ToyResult"/> (through <see cref="GeometryFiles.Write"/>): <c>per-image/toy-draws.csv</c>,
/// <c>toy.csv</c>, <c>toy.png</c> and the section with its summary in words.</summary>
public sealed class ToyWriter : IGeometryStudyWriter<ToyResult>
{
    /// <inheritdoc />
    public string Title => "Geometry: dimension scaling of the toy model";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Captions { get; } = new Dictionary<string, string>
    {
        ["toy.png"] = "Left: relative change of the gradient map against the input dimension (log-log), measured by autograd (markers) and the first-order prediction (dashed). Right: top-k intersection of the saliency maps.",
        ["toy.csv"] = "Means per number of units and dimension.",
    };

    /// <inheritdoc />
    public string Description(ToyResult result, ExperimentSummary summary) =>
        $"Toy model f(x) = Σ_j a_j softplus(w_j·x + b_j), x ~ U[0,1]^d, w_ji ~ N(0, {Num(result.Scale)}²), every unit at z0 = 0, δ = ε sign(w) (m = 1) or ε sign(∇f) (m > 1), ε = {Num(result.Epsilon255)}/255, {result.DrawsPerPoint} draws per point. " +
        "The rank-one toy's gradient map changes by exactly g'(z0 + ε||w||₁)/g'(z0) − 1 relative to its size, to first order |g''/g'| ε ||w||₁, which grows linearly with d; the change is parallel to w, so the ranking of the map cannot change. " + string.Join(" ", summary.Headlines);

    /// <summary>Writes <c>per-image/toy-draws.csv</c> (every draw) and <c>toy.csv</c> (means per units and dimension).</summary>
    public void WriteTables(ToyResult result, string outDir)
    {
        WriteCsv(Path.Combine(outDir, DetailFolder, "toy-draws.csv"),
            ["dimension", "units", "seed", "w_l1", "relative_change", "first_order", "exact", "topk_intersection", "spearman"],
            result.Draws.Select(t => new object?[] { t.Dimension, t.Hidden, t.Seed, t.WeightL1, t.RelativeChange, t.FirstOrder, t.Exact, t.TopKIntersection, t.Spearman }));
        WriteCsv(Path.Combine(outDir, "toy.csv"),
            ["units", "dimension", "draws", "mean_relative_change", "mean_first_order", "mean_exact", "analytic_expected", "mean_topk_intersection", "mean_spearman"],
            result.Groups.Select(g => new object?[] { g.Hidden, g.Dimension, g.Draws, g.RelativeChange, g.FirstOrder, g.Exact, g.AnalyticExpected, g.TopKIntersection, g.Spearman }));
    }

    /// <summary>Writes <c>toy.png</c>: the relative change against d (measured and first order, log-log) and the top-k
    /// intersection against d, one series per number of units.</summary>
    public void WriteFigures(ToyResult result, string outDir)
    {
        var change = GeometryPlots.New("Relative change of the gradient map", "input dimension d", "||grad f(x+δ) - grad f(x)|| / ||grad f(x)||");
        var topk = GeometryPlots.New("Top-k intersection (k = 10% of d)", "input dimension d", "top-k intersection");
        int colour = 0;
        foreach (int m in result.Hidden)
        {
            var rows = result.Groups.Where(g => g.Hidden == m).ToList();
            var xs = GeometryPlots.Log10(rows.Select(g => (double)g.Dimension));
            var measured = change.Add.Scatter(xs, GeometryPlots.Log10(rows.Select(g => g.RelativeChange)), GeometryPlots.Colour(colour));
            measured.LegendText = m == 1 ? "measured, rank-one toy (m = 1)" : $"measured, m = {m} units";
            measured.MarkerSize = 8;
            var first = change.Add.Scatter(xs, GeometryPlots.Log10(rows.Select(g => g.FirstOrder)), GeometryPlots.Colour(colour));
            first.LegendText = m == 1 ? "first order |g''/g'| ε ||w||₁" : $"first order ||Hδ||/||∇f||, m = {m}";
            first.LinePattern = ScottPlot.LinePattern.Dashed;
            first.MarkerSize = 0;
            var t = topk.Add.Scatter(xs, rows.Select(g => g.TopKIntersection).ToArray(), GeometryPlots.Colour(colour));
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
    }

    /// <summary>The headlines (the rank-one toy from the smallest to the largest d; per m &gt; 1 the top-k intersection)
    /// and the numbers rank_one_growth, topk_mM_smallest_d and topk_mM_largest_d.</summary>
    public ExperimentSummary Summarise(ToyResult result, string outDir)
    {
        var rankOne = result.Groups.Where(g => g.Hidden == 1).ToList();
        var numbers = new Dictionary<string, double>();
        var lines = new List<string>();
        if (rankOne.Count >= 2)
        {
            var lo = rankOne[0]; var hi = rankOne[^1];
            numbers["rank_one_growth"] = hi.RelativeChange / lo.RelativeChange;
            lines.Add($"Rank-one toy: relative change {Num(lo.RelativeChange)} at d = {lo.Dimension}, {Num(hi.RelativeChange)} at d = {hi.Dimension} (first order {Num(lo.FirstOrder)} and {Num(hi.FirstOrder)}); top-k intersection {Num(rankOne.Min(g => g.TopKIntersection))} at every d (the change is along w).");
        }
        foreach (int m in result.Hidden.Where(m => m > 1))
        {
            var rows = result.Groups.Where(g => g.Hidden == m).ToList();
            numbers[$"topk_m{m}_largest_d"] = rows[^1].TopKIntersection;
            numbers[$"topk_m{m}_smallest_d"] = rows[0].TopKIntersection;
            lines.Add($"m = {m} units: top-k intersection {Num(rows[0].TopKIntersection)} at d = {rows[0].Dimension}, {Num(rows[^1].TopKIntersection)} at d = {rows[^1].Dimension}; relative change {Num(rows[0].RelativeChange)} to {Num(rows[^1].RelativeChange)}.");
        }
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
