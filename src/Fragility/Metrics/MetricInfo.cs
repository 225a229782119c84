namespace Fragility.Metrics;

/// <summary>
/// One entry of the <see cref="MetricCatalogue"/>, documented as Quantus documents a metric object: its name, its
/// category, what it is computed from, which direction is better and where it comes from.
/// </summary>
/// <param name="Name">The metric's name: its field in a sweep's results.jsonl, the stem of its summary.csv columns
/// (<c>NAME_mean</c>, <c>NAME_std</c>) and its value of <c>sweep --metrics</c>.</param>
/// <param name="Category">What it measures.</param>
/// <param name="Subject">What it is computed from (a pair of maps, or the clean explanation alone).</param>
/// <param name="HigherIsBetter">True when a larger value is the better explanation: more similar after an attack,
/// more robust, more faithful; false for distances, sensitivities, deletion AUC and the randomisation correlation
/// (a map should change when the model is randomised).</param>
/// <param name="Description">One line: the definition, its range and its units.</param>
public sealed record MetricInfo(string Name, MetricCategory Category, MetricSubject Subject, bool HigherIsBetter, string Description);
