namespace Fragility.Experiments.Geometry;

/// <summary>What a geometry experiment wrote and its headline numbers, for the command line and the README.</summary>
/// <param name="Folder">The experiment folder (section.json, figures, CSV files).</param>
/// <param name="Headlines">One line per headline result, in words and numbers.</param>
/// <param name="Numbers">The headline numbers by name (e.g. "mean_angle_topk"), for tests and scripts.</param>
public sealed record ExperimentSummary(string Folder, IReadOnlyList<string> Headlines, IReadOnlyDictionary<string, double> Numbers);
