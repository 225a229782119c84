using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// The one power iteration of the library, on a batch of operators (one per row) given only through their products
/// (<see cref="ILinearOperator"/>): <c>v &lt;- A v / ||A v||</c> until the estimate (<see cref="PowerEstimate"/>: the
/// Rayleigh quotient <c>v . A v</c>, or the product norm <c>||A v||</c>) settles. It finds the eigenvalue of largest
/// magnitude (with its sign, from the Rayleigh quotient of a symmetric operator) and its eigenvector. Spectral norms of
/// layers (<see cref="OperatorNorm"/>) run it on the normal operator A^T A; LiSSA's scale runs it on the Hessian of an
/// influence head. Convergence is linear with rate |lambda_2 / lambda_1|, so it is slow
/// when two eigenvalues of nearly equal magnitude compete (e.g. +a and -a); <see cref="Lanczos"/> is then better.
/// </summary>
public static class PowerIteration
{
    /// <summary>Runs the iteration.</summary>
    /// <param name="operator">The batched operator: [N, D] vectors to [N, D] products (row i through operator i).</param>
    /// <param name="start">Start vectors [N, D] (any non-zero rows; a random start avoids starting orthogonal to the
    /// top eigenvector).</param>
    /// <param name="iterations">Largest number of products (default 100).</param>
    /// <param name="tolerance">A row has converged when its estimate changes by at most this fraction of its
    /// magnitude between two iterations (default 1e-5; 0 runs every iteration unless the estimate repeats exactly).</param>
    /// <param name="estimate">The reported and watched quantity (default the Rayleigh quotient).</param>
    public static EigenEstimate Run(ILinearOperator @operator, Tensor start, int iterations = 100, double tolerance = 1e-5,
        PowerEstimate estimate = PowerEstimate.RayleighQuotient)
    {
        ArgumentNullException.ThrowIfNull(@operator);
        if (start.dim() != 2) throw new ArgumentException($"start must be [N, D], got [{string.Join(",", start.shape)}]");
        if (start.shape[1] != @operator.Dimension) throw new ArgumentException($"start has {start.shape[1]} values per row, the operator {@operator.Dimension}");
        var normal = @operator as NormalOperator;
        if (estimate == PowerEstimate.SingularValue && normal is null)
            throw new ArgumentException("The singular-value step needs a NormalOperator (a map with its transpose).");
        if (estimate == PowerEstimate.RayleighQuotient && !@operator.IsSymmetric)
            throw new ArgumentException("The Rayleigh quotient is an eigenvalue estimate only for a symmetric operator; use its normal operator.");
        if (iterations < 1) throw new FragilityException($"Power iteration needs at least 1 iteration, got {iterations}.");
        int n = (int)start.shape[0];
        var values = new double[n];
        var used = new int[n];
        var converged = new bool[n];
        var v = Normalise(start.detach());
        try
        {
            for (int t = 1; t <= iterations && converged.Any(c => !c); t++)
            {
                using var scope = torch.NewDisposeScope();
                Tensor w;
                double[] norms, current;
                if (normal is not null && estimate == PowerEstimate.SingularValue)
                {
                    // norms: ||A v||, zero when v is in A's null space; the estimate is the norm of the scaled product.
                    var mapped = normal.Map(v);
                    var mappedNorm = mapped.flatten(1).norm(1);
                    norms = mappedNorm.to(ScalarType.Float64).cpu().data<double>().ToArray();
                    long[] perRow = [mapped.shape[0], .. Enumerable.Repeat(1L, (int)mapped.dim() - 1)];
                    w = normal.Transpose(mapped / torch.where(mappedNorm.gt(0), mappedNorm, torch.ones_like(mappedNorm)).reshape(perRow));
                    current = w.norm(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
                }
                else
                {
                    w = @operator.Apply(v);
                    norms = w.norm(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
                    current = estimate == PowerEstimate.ProductNorm ? norms : (v * w).sum(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
                }
                for (int i = 0; i < n; i++)
                {
                    if (converged[i]) continue;
                    used[i] = t;
                    // A zero product: v is in the null space; with a random start the operator is zero on this row.
                    if (norms[i] == 0 || Math.Abs(current[i] - values[i]) <= tolerance * Math.Abs(current[i])) converged[i] = true;
                    values[i] = current[i];
                }
                var next = torch.where(w.norm(1, keepdim: true).gt(0), w, v);
                v.Dispose();
                v = Normalise(next).MoveToOuterDisposeScope();
            }
            return new EigenEstimate(values, v, used, converged);
        }
        catch
        {
            v.Dispose();
            throw;
        }
    }

    private static Tensor Normalise(Tensor v)
    {
        using var scope = torch.NewDisposeScope();
        var norm = v.norm(1, keepdim: true);
        return (v / torch.where(norm.gt(0), norm, torch.ones_like(norm))).MoveToOuterDisposeScope();
    }
}
