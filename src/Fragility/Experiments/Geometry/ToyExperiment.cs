using Fragility.Geometry;
using Fragility.Runtime;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Dimension scaling on the toy model (<see cref="ToyModel"/>): for each input dimension and each number of units,
/// several random draws (<see cref="Measure"/>, the numbers); <see cref="ToyWriter"/> writes <c>toy.csv</c> (mean per
/// dimension and units), <c>per-image/toy-draws.csv</c> (every draw), <c>toy.png</c> (relative change of the gradient
/// map against d with the analytic prediction, and top-k intersection against d) and <c>section.json</c>.
/// </summary>
public static class ToyExperiment
{
    /// <summary>Runs the sweep of draws.</summary>
    /// <param name="dimensions">Input dimensions d (e.g. 10 .. 1e6).</param>
    /// <param name="hidden">Unit counts m (1 is the paper's rank-one toy).</param>
    /// <param name="epsilon255">Epsilon on the 0-255 scale (8 means 8/255).</param>
    /// <param name="scale">Per-coordinate weight scale s.</param>
    /// <param name="draws">Random draws per dimension.</param>
    /// <param name="seed">Base seed.</param>
    /// <param name="progress">Receives "toy" updates.</param>
    public static ToyResult Measure(IReadOnlyList<int> dimensions, IReadOnlyList<int> hidden, double epsilon255, double scale, int draws, int seed = 0,
        IProgress<ProgressUpdate>? progress = null)
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
        var groups = all.GroupBy(t => (t.Hidden, t.Dimension)).OrderBy(g => g.Key.Hidden).ThenBy(g => g.Key.Dimension)
            .Select(g => new ToyGroup(g.Key.Hidden, g.Key.Dimension, g.Count(), g.Average(t => t.RelativeChange), g.Average(t => t.FirstOrder),
                g.Key.Hidden == 1 ? g.Average(t => t.Exact) : double.NaN, g.Key.Hidden == 1 ? ToyModel.ExpectedFirstOrder(g.Key.Dimension, eps, scale) : double.NaN,
                g.Average(t => t.TopKIntersection), g.Average(t => t.Spearman)))
            .ToList();
        return new ToyResult(epsilon255, scale, draws, hidden, all, groups);
    }

    /// <summary>Measures (<see cref="Measure"/>) and writes the folder <paramref name="outDir"/> (<see cref="ToyWriter"/>
    /// through <see cref="GeometryFiles.Write"/>).</summary>
    public static ExperimentSummary Run(string outDir, IReadOnlyList<int> dimensions, IReadOnlyList<int> hidden, double epsilon255,
        double scale, int draws, int seed = 0, IProgress<ProgressUpdate>? progress = null) =>
        GeometryFiles.Write(Measure(dimensions, hidden, epsilon255, scale, draws, seed, progress), outDir, new ToyWriter());
}
