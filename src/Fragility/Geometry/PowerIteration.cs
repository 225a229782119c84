using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// Power iteration on a batch of symmetric operators (one per image), each given only through its products:
/// <c>v &lt;- A v / ||A v||</c> until the Rayleigh quotient <c>v . A v</c> settles. It finds the eigenvalue of largest
/// magnitude (with its sign) and its eigenvector. Convergence is linear with rate |lambda_2 / lambda_1|, so it is slow
/// when two eigenvalues of nearly equal magnitude compete (e.g. +a and -a); <see cref="Lanczos"/> is then better.
/// </summary>
public static class PowerIteration
{
    /// <summary>Runs the iteration.</summary>
    /// <param name="apply">The batched operator: [N, D] vectors to [N, D] products (row i through operator i).</param>
    /// <param name="start">Start vectors [N, D] (any non-zero rows; a random start avoids starting orthogonal to the
    /// top eigenvector).</param>
    /// <param name="iterations">Largest number of products (default 100).</param>
    /// <param name="tolerance">A row has converged when its Rayleigh quotient changes by at most this fraction of its
    /// magnitude between two iterations (default 1e-5).</param>
    public static EigenEstimate Run(Func<Tensor, Tensor> apply, Tensor start, int iterations = 100, double tolerance = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(apply);
        if (start.dim() != 2) throw new ArgumentException($"start must be [N, D], got [{string.Join(",", start.shape)}]");
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
                var w = apply(v);
                var rayleigh = (v * w).sum(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
                var norms = w.norm(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
                for (int i = 0; i < n; i++)
                {
                    if (converged[i]) continue;
                    used[i] = t;
                    // A zero product: v is in the null space; with a random start the operator is zero on this row.
                    if (norms[i] == 0 || Math.Abs(rayleigh[i] - values[i]) <= tolerance * Math.Abs(rayleigh[i])) converged[i] = true;
                    values[i] = rayleigh[i];
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
