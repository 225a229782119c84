using Fragility.Attacks;

namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="DimensionExperiment.Measure"/> found: per input size the fragility of its model's maps. The
/// numbers only; <see cref="DimensionWriter"/> writes them.</summary>
/// <param name="Architecture">Registry architecture of the family.</param>
/// <param name="Dataset">Data set the models were trained and tested on.</param>
/// <param name="TrainImages">Training images per model.</param>
/// <param name="Epochs">Training epochs per model.</param>
/// <param name="Images">Test images asked for per size.</param>
/// <param name="Settings">The attacks' settings.</param>
/// <param name="Rows">One row per size, smallest first.</param>
/// <param name="Details">One row per size and image.</param>
public sealed record DimensionResult(string Architecture, string Dataset, int TrainImages, int Epochs, int Images, AttackSettings Settings,
    IReadOnlyList<DimensionRow> Rows, IReadOnlyList<DimensionImage> Details);
