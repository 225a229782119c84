using Fragility.Geometry;

namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="SpectrumExperiment.MeasureImages"/> measured on some of the images: their spectra at every
/// beta and how far the top-k attack moved their maps.</summary>
/// <param name="Spectra">One entry per beta and image.</param>
/// <param name="Attack">One entry per image.</param>
public sealed record SpectrumPart(IReadOnlyList<SpectrumImage> Spectra, IReadOnlyList<MapFragilityRecord> Attack);
