namespace Fragility.Influence;

/// <summary>Where a <see cref="HeadObjective"/> computes its Hessian and Hessian-vector products (both float64).</summary>
public enum HessianBackend
{
    /// <summary>Managed loops while P^2 n (parameters squared times training points) is at most 2e8, TorchSharp above (default).</summary>
    Auto,

    /// <summary>Managed loops and MathNet products: no native calls, fast for small heads (a 129-parameter logistic head on 1000 points).</summary>
    Managed,

    /// <summary>TorchSharp float64 matrix products over all rows at once: about 10x faster for a 1290-parameter softmax head on 5000 points.</summary>
    Torch,
}
