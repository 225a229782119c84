using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>Outcome of <see cref="NewtonTrainer.Minimize"/>.</summary>
/// <param name="Parameters">The minimiser theta.</param>
/// <param name="Iterations">Newton steps taken.</param>
/// <param name="Objective">F(theta) at the end.</param>
/// <param name="GradientNorm">||grad F(theta)||_2 at the end.</param>
/// <param name="Converged">True when the gradient norm reached the tolerance, or the Newton step fell below float64's resolution of theta.</param>
public sealed record NewtonResult(Vector<double> Parameters, int Iterations, double Objective, double GradientNorm, bool Converged);
