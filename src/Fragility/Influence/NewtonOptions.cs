namespace Fragility.Influence;

/// <summary>Stopping rules of <see cref="NewtonTrainer"/>.</summary>
public sealed record NewtonOptions
{
    /// <summary>Stop when the Euclidean norm of grad F falls to this (default 1e-10, float64 near its rounding floor for typical features).</summary>
    public double GradientTolerance { get; init; } = 1e-10;

    /// <summary>Give up after this many Newton steps (default 100; a positive lambda usually needs fewer than 20).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Up to this many parameters each Newton step solves with the exact Hessian (Cholesky); above, with conjugate
    /// gradient on Hessian-vector products (Newton-CG). Default 3000.
    /// </summary>
    public int ExactHessianLimit { get; init; } = 3000;
}
