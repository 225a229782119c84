namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="DimensionExperiment.MeasureSizes"/> measured on consecutive sizes (in increasing order)
/// starting at <paramref name="First"/>.</summary>
/// <param name="First">Position of the first size among the study's sizes in increasing order.</param>
/// <param name="Rows">One row per size, in order.</param>
/// <param name="Details">One row per size and image, in order.</param>
public sealed record DimensionPart(int First, IReadOnlyList<DimensionRow> Rows, IReadOnlyList<DimensionImage> Details);
