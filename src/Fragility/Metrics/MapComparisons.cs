namespace Fragility.Metrics;

/// <summary>
/// Registry of the map metrics by name, so that commands and sweep configurations can pick them with a string:
/// "topk" (<see cref="TopKIntersection"/>), "spearman" (<see cref="SpearmanRankCorrelation"/>), "kendall"
/// (<see cref="KendallTauB"/>), "pearson" (<see cref="PearsonCorrelation"/>), "center_shift"
/// (<see cref="CenterOfMassShift"/>) and "ssim" (<see cref="StructuralSimilarity"/>). Names are matched without
/// regard to case.
/// </summary>
public static class MapComparisons
{
    /// <summary>All registered names, in the order above.</summary>
    public static IReadOnlyList<string> Names { get; } = ["topk", "spearman", "kendall", "pearson", "center_shift", "ssim"];

    /// <summary>The paper's three metrics (top-k intersection, Spearman, centre-of-mass shift; docs/method.md §3).</summary>
    public static IReadOnlyList<string> PaperNames { get; } = ["topk", "spearman", "center_shift"];

    /// <summary>
    /// The metric called <paramref name="name"/> for maps of <paramref name="height"/> x <paramref name="width"/>
    /// pixels. For "topk", <paramref name="topK"/> is k; when null, k = <see cref="TopKIntersection.DefaultK"/>
    /// of the map size. Other metrics ignore <paramref name="topK"/>. An unknown name throws
    /// <see cref="FragilityException"/> listing the known names.
    /// </summary>
    public static IMapComparison ByName(string name, int height, int width, int? topK = null) =>
        name.Trim().ToLowerInvariant() switch
        {
            "topk" => new TopKIntersection(topK ?? TopKIntersection.DefaultK(height, width)),
            "spearman" => new SpearmanRankCorrelation(),
            "kendall" => new KendallTauB(),
            "pearson" => new PearsonCorrelation(),
            "center_shift" => new CenterOfMassShift(),
            "ssim" => new StructuralSimilarity(),
            _ => throw new FragilityException($"Unknown map metric '{name}'. Use one of: {string.Join(", ", Names)}."),
        };

    /// <summary>The metrics called <paramref name="names"/> (see <see cref="ByName"/>), in order.</summary>
    public static IReadOnlyList<IMapComparison> ByNames(IEnumerable<string> names, int height, int width, int? topK = null) =>
        names.Select(n => ByName(n, height, width, topK)).ToArray();
}
