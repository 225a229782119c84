namespace Fragility.Influence;

/// <summary>How inverse-Hessian-vector products are computed.</summary>
public enum InverseHessianMethod
{
    /// <summary>Exact: the dense Hessian factorised once by Cholesky (MathNet); memory P^2 doubles, time P^3/3.</summary>
    Exact,

    /// <summary>Conjugate gradient on Hessian-vector products (never forms H); exact in P steps in exact arithmetic.</summary>
    ConjugateGradient,

    /// <summary>LiSSA (Agarwal, Bullins, Hazan 2017; as used by Koh and Liang 2017): a truncated, optionally stochastic Neumann series.</summary>
    Lissa,
}
