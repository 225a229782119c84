namespace Fragility.Metrics;

/// <summary>
/// The one list of the metrics this project computes, grouped as Quantus groups them (similarity, robustness,
/// faithfulness, randomisation). Every metric compares whole batches: map pairs [N, H, W] through
/// <see cref="IMapComparison.CompareRows"/>, explanations of inputs [N, C, H, W] through
/// <see cref="IExplanationRobustness.Evaluate"/>, <see cref="DeletionInsertion.Auc"/> and
/// <see cref="ParameterRandomisation.Similarity"/>, one value per row. Names are the results.jsonl fields, so a
/// sweep's <c>--metrics</c> names the columns it writes. docs/metrics.md describes each entry.
/// </summary>
public static class MetricCatalogue
{
    /// <summary>Top-k intersection (<see cref="TopKIntersection"/>).</summary>
    public const string TopK = "topk_intersection";

    /// <summary>Spearman rank correlation (<see cref="SpearmanRankCorrelation"/>).</summary>
    public const string Spearman = "spearman";

    /// <summary>Kendall tau-b (<see cref="KendallTauB"/>).</summary>
    public const string Kendall = "kendall";

    /// <summary>Centre-of-mass shift (<see cref="CenterOfMassShift"/>).</summary>
    public const string CenterShift = "center_shift";

    /// <summary>Pearson correlation (<see cref="PearsonCorrelation"/>).</summary>
    public const string Pearson = "pearson";

    /// <summary>Structural similarity (<see cref="StructuralSimilarity"/>).</summary>
    public const string Ssim = "ssim";

    /// <summary>Max-sensitivity (<see cref="Metrics.MaxSensitivity"/>).</summary>
    public const string MaxSensitivity = "max_sensitivity";

    /// <summary>Average sensitivity (<see cref="Metrics.AverageSensitivity"/>).</summary>
    public const string AvgSensitivity = "avg_sensitivity";

    /// <summary>Local Lipschitz estimate (<see cref="LocalLipschitzEstimate"/>).</summary>
    public const string LocalLipschitz = "local_lipschitz";

    /// <summary>Deletion AUC (<see cref="DeletionInsertion"/>).</summary>
    public const string DeletionAuc = "deletion_auc";

    /// <summary>Insertion AUC (<see cref="DeletionInsertion"/>).</summary>
    public const string InsertionAuc = "insertion_auc";

    /// <summary>Parameter-randomisation correlation (<see cref="ParameterRandomisation"/>).</summary>
    public const string RandomisationSpearman = "randomisation_spearman";

    /// <summary>Every metric, in catalogue order (the order of their columns).</summary>
    public static IReadOnlyList<MetricInfo> All { get; } =
    [
        new(TopK, MetricCategory.Similarity, MetricSubject.MapPair, true,
            "|topk(S0) ∩ topk(S1)| / k of the clean and perturbed maps, in [0, 1]; the paper's main metric (Ghorbani et al. 2019)."),
        new(Spearman, MetricCategory.Similarity, MetricSubject.MapPair, true,
            "Spearman rank correlation of the two maps, in [-1, 1] (Ghorbani et al. 2019)."),
        new(Kendall, MetricCategory.Similarity, MetricSubject.MapPair, true,
            "Kendall tau-b of the two maps, in [-1, 1] (Kendall 1945)."),
        new(CenterShift, MetricCategory.Similarity, MetricSubject.MapPair, false,
            "Distance between the maps' centres of mass, in pixels (Ghorbani et al. 2019)."),
        new(Pearson, MetricCategory.Similarity, MetricSubject.MapPair, true,
            "Pearson correlation of the two maps, in [-1, 1]."),
        new(Ssim, MetricCategory.Similarity, MetricSubject.MapPair, true,
            "Structural similarity of the two maps as grey images, in [-1, 1] (Wang et al. 2004); maps of at least 7x7."),
        new(MaxSensitivity, MetricCategory.Robustness, MetricSubject.CleanExplanation, false,
            "max over noise draws of ||e(x+u) - e(x)|| / ||e(x)||, u uniform in the L-inf ball of the sensitivity radius (Yeh et al. 2019)."),
        new(AvgSensitivity, MetricCategory.Robustness, MetricSubject.CleanExplanation, false,
            "mean over noise draws of ||e(x+u) - e(x)|| / ||e(x)|| (Yeh et al. 2019)."),
        new(LocalLipschitz, MetricCategory.Robustness, MetricSubject.CleanExplanation, false,
            "max over noise draws of ||e(x+u) - e(x)|| / ||u||, per unit of [0, 1] input (Alvarez-Melis and Jaakkola 2018)."),
        new(DeletionAuc, MetricCategory.Faithfulness, MetricSubject.CleanExplanation, false,
            "Area under the class probability as the map's most important pixels are blacked out, in [0, 1] (Petsiuk et al. 2018)."),
        new(InsertionAuc, MetricCategory.Faithfulness, MetricSubject.CleanExplanation, true,
            "Area under the class probability as those pixels are copied into a blurred image, in [0, 1] (Petsiuk et al. 2018)."),
        new(RandomisationSpearman, MetricCategory.Randomisation, MetricSubject.CleanExplanation, false,
            "Spearman correlation of the maps of the trained and of a fully randomised model, in [-1, 1] (Adebayo et al. 2018)."),
    ];

    /// <summary>The metrics a sweep computes when none are chosen: the paper's three and Kendall tau-b, the columns
    /// every sweep has written.</summary>
    public static IReadOnlyList<string> DefaultNames { get; } = [TopK, Spearman, Kendall, CenterShift];

    /// <summary>The entry called <paramref name="name"/> (case-insensitive); an unknown name throws
    /// <see cref="FragilityException"/> naming <paramref name="option"/> and every allowed value.</summary>
    public static MetricInfo Find(string name, string option = "--metrics") =>
        All.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new FragilityException($"{option}: unknown metric '{name.Trim()}'. Allowed values: {string.Join(", ", All.Select(m => m.Name))}.");

    /// <summary>The names of <paramref name="names"/> checked against the catalogue and put in catalogue order, so a
    /// choice has one spelling whatever order it was given in.</summary>
    public static IReadOnlyList<string> Canonical(IEnumerable<string> names, string option = "--metrics")
    {
        var chosen = names.Select(n => Find(n, option)).ToHashSet();
        return All.Where(chosen.Contains).Select(m => m.Name).ToArray();
    }

    /// <summary>True when <paramref name="names"/> is the default choice (<see cref="DefaultNames"/>, in any order).</summary>
    public static bool IsDefault(IEnumerable<string> names) => Canonical(names).SequenceEqual(DefaultNames);

    /// <summary>
    /// The similarity metric called <paramref name="name"/> for maps of <paramref name="height"/> x
    /// <paramref name="width"/> pixels; for top-k, <paramref name="topK"/> is k (null: <see cref="TopKIntersection.DefaultK"/>).
    /// A name of another category throws <see cref="FragilityException"/>.
    /// </summary>
    public static IMapComparison MapComparison(string name, int height, int width, int? topK = null) =>
        Find(name).Name switch
        {
            TopK => new TopKIntersection(topK ?? TopKIntersection.DefaultK(height, width)),
            Spearman => new SpearmanRankCorrelation(),
            Kendall => new KendallTauB(),
            CenterShift => new CenterOfMassShift(),
            Pearson => new PearsonCorrelation(),
            Ssim => new StructuralSimilarity(),
            _ => throw new FragilityException($"'{name}' is not a similarity of two maps; those are: {string.Join(", ", Names(MetricCategory.Similarity))}."),
        };

    /// <summary>The robustness metric called <paramref name="name"/> with its noise settings (radius on the 0-255
    /// scale, draws, seed). A name of another category throws <see cref="FragilityException"/>.</summary>
    public static IExplanationRobustness Robustness(string name, double radius, int samples, int seed) =>
        Find(name).Name switch
        {
            MaxSensitivity => new MaxSensitivity(radius, samples, seed),
            AvgSensitivity => new AverageSensitivity(radius, samples, seed),
            LocalLipschitz => new LocalLipschitzEstimate(radius, samples, seed),
            _ => throw new FragilityException($"'{name}' is not a robustness metric; those are: {string.Join(", ", Names(MetricCategory.Robustness))}."),
        };

    /// <summary>The names of one category, in catalogue order.</summary>
    public static IReadOnlyList<string> Names(MetricCategory category) => All.Where(m => m.Category == category).Select(m => m.Name).ToArray();
}
