namespace Fragility.Experiments.Geometry;

/// <summary>Across the models of a <see cref="LipschitzResult"/>, how one Lipschitz constant goes with fragility.</summary>
/// <param name="Key">Key in tables and headline numbers ("bound", "empirical", "map_local").</param>
/// <param name="Label">Name in figures and texts.</param>
/// <param name="Values">The constant per model, in the order of the result's rows.</param>
/// <param name="Spearman">Spearman correlation with fragility (1 - top-k intersection).</param>
/// <param name="Pearson">Pearson correlation of log10 of the constant with fragility.</param>
public sealed record LipschitzCorrelation(string Key, string Label, IReadOnlyList<double> Values, double Spearman, double Pearson);
