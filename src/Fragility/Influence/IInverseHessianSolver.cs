using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>
/// Applies the inverse Hessian H^-1 of a <see cref="HeadObjective"/> at fixed parameters to vectors
/// (inverse-Hessian-vector products), the core of influence functions.
/// </summary>
public interface IInverseHessianSolver
{
    /// <summary>Which method: "exact", "cg" or "lissa".</summary>
    string Name { get; }

    /// <summary>Length of the vectors solved for.</summary>
    int ParameterCount { get; }

    /// <summary>H^-1 <paramref name="v"/> (for a softmax head: on the complement of <see cref="HeadObjective.NullDirection"/>, where every loss gradient lies).</summary>
    Vector<double> Solve(Vector<double> v);
}
