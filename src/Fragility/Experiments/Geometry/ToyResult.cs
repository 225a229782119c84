using Fragility.Geometry;

namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="ToyExperiment.Measure"/> found: every draw of the toy model and the means per number of units
/// and dimension. The numbers only; <see cref="ToyWriter"/> writes them.</summary>
/// <param name="Epsilon255">Epsilon on the 0-255 scale.</param>
/// <param name="Scale">Per-coordinate weight scale s.</param>
/// <param name="DrawsPerPoint">Random draws per dimension.</param>
/// <param name="Hidden">Unit counts m, in the order given.</param>
/// <param name="Draws">Every draw, by units, then dimension, then draw.</param>
/// <param name="Groups">Means per (units, dimension), by units then dimension.</param>
public sealed record ToyResult(double Epsilon255, double Scale, int DrawsPerPoint, IReadOnlyList<int> Hidden, IReadOnlyList<ToyMeasurement> Draws,
    IReadOnlyList<ToyGroup> Groups);
