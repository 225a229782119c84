namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="TransferExperiment.MeasureImages"/> measured on consecutive images starting at
/// <paramref name="First"/>: per model (the source first, then the targets in order) one row per image.</summary>
/// <param name="First">Position of the first image among the study's images.</param>
/// <param name="PerModel">Per model, the rows of the images in order.</param>
public sealed record TransferPart(int First, IReadOnlyList<TransferImage[]> PerModel);
