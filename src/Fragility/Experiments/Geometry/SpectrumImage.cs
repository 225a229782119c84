namespace Fragility.Experiments.Geometry;

/// <summary>The input-Hessian spectrum of one image at one softplus beta (<see cref="SpectrumExperiment.MeasureImages"/>).</summary>
/// <param name="Beta">Softplus beta of the twin.</param>
/// <param name="Position">Position of the image among the study's images.</param>
/// <param name="Largest">The largest eigenvalues in descending order.</param>
/// <param name="Dominant">The eigenvalue of largest magnitude (signed).</param>
/// <param name="Smallest">The smallest (most negative) eigenvalue.</param>
/// <param name="ScoreGradientNorm">||grad_x score_y|| on the twin.</param>
public sealed record SpectrumImage(double Beta, int Position, double[] Largest, double Dominant, double Smallest, double ScoreGradientNorm);
