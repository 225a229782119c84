using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// The one Lanczos method of the library, on a batch of symmetric operators (one per row) given only through their
/// products (<see cref="ILinearOperator"/>): m
/// products build an orthonormal Krylov basis Q and the tridiagonal T = Q^T A Q, whose eigenvalues (Ritz values)
/// approximate the extreme eigenvalues of A, the largest and smallest converging first. The basis is fully
/// re-orthogonalised at every step (twice, "twice is enough"), because in floating point plain Lanczos loses
/// orthogonality and repeats converged eigenvalues. T is diagonalised with MathNet.Numerics.
/// </summary>
/// <remarks>Memory: m + 1 basis vectors per image. With m at least the dimension D the Ritz values are the exact
/// eigenvalues (up to rounding). A row whose Krylov space is exhausted early (an invariant subspace) stops there.</remarks>
public static class Lanczos
{
    /// <summary>Random start vectors [<paramref name="rows"/>, <paramref name="dimension"/>], drawn from
    /// <paramref name="generator"/> in float64 on the CPU (the same draws on every device) and cast to
    /// <paramref name="dtype"/> on <paramref name="device"/>. A study split over processes draws and drops the start
    /// vectors of the batches before its own, so that each batch gets the single run's.</summary>
    public static Tensor StartVectors(torch.Generator generator, long rows, long dimension, ScalarType dtype, Device device)
    {
        using var draw = torch.randn([rows, dimension], dtype: ScalarType.Float64, device: torch.CPU, generator: generator);
        return draw.to(dtype, device);
    }

    /// <summary>Runs m = <paramref name="steps"/> Lanczos steps.</summary>
    /// <param name="operator">The batched symmetric operator: [N, D] vectors to [N, D] products (row i through operator i).</param>
    /// <param name="start">Start vectors [N, D] (non-zero rows, e.g. random).</param>
    /// <param name="steps">Products per row, m (default 30); at most D are useful.</param>
    /// <param name="count">How many of the largest Ritz values to return per row (default 5).</param>
    public static LanczosResult Run(ILinearOperator @operator, Tensor start, int steps = 30, int count = 5)
    {
        ArgumentNullException.ThrowIfNull(@operator);
        if (start.dim() != 2) throw new ArgumentException($"start must be [N, D], got [{string.Join(",", start.shape)}]");
        if (start.shape[1] != @operator.Dimension) throw new ArgumentException($"start has {start.shape[1]} values per row, the operator {@operator.Dimension}");
        if (!@operator.IsSymmetric) throw new ArgumentException("Lanczos needs a symmetric operator; use its normal operator.");
        if (steps < 1) throw new FragilityException($"Lanczos needs at least 1 step, got {steps}.");
        if (count < 1) throw new FragilityException($"Lanczos: the number of eigenvalues must be at least 1, got {count}.");
        int n = (int)start.shape[0];
        long d = start.shape[1];
        steps = (int)Math.Min(steps, d);
        var alphas = new List<double[]>();
        var betas = new List<double[]>();
        var length = Enumerable.Repeat(-1, n).ToArray();   // -1: still running
        var basis = new List<Tensor>();
        try
        {
            using (var init = torch.NewDisposeScope())
            {
                var norm = start.detach().norm(1, keepdim: true);
                basis.Add((start.detach() / torch.where(norm.gt(0), norm, torch.ones_like(norm))).DetachFromDisposeScope());
            }
            Tensor? previous = null;
            double[] betaPrevious = new double[n];
            for (int j = 0; j < steps; j++)
            {
                using var scope = torch.NewDisposeScope();
                var q = basis[j];
                var w = @operator.Apply(q);
                var alpha = (q * w).sum(1);
                w = w - alpha.unsqueeze(1) * q;
                if (previous is not null)
                    w = w - torch.tensor(betaPrevious, dtype: w.dtype, device: w.device).unsqueeze(1) * previous;
                var stacked = torch.stack(basis.ToArray());                      // [j+1, N, D]
                for (int pass = 0; pass < 2; pass++)
                {
                    var coefficients = (stacked * w.unsqueeze(0)).sum(2, keepdim: true);   // [j+1, N, 1]
                    w = w - (coefficients * stacked).sum(dim: 0);
                }
                var beta = w.norm(1);
                var a = alpha.to(ScalarType.Float64).cpu().data<double>().ToArray();
                var b = beta.to(ScalarType.Float64).cpu().data<double>().ToArray();
                alphas.Add(a);
                betas.Add(b);
                for (int i = 0; i < n; i++)
                {
                    if (length[i] >= 0) continue;
                    // Relative breakdown: the Krylov space of this row is (numerically) invariant.
                    double scale = Math.Abs(a[i]) + (j > 0 ? betaPrevious[i] : 0) + 1e-300;
                    if (b[i] <= 1e-10 * scale || j == steps - 1) length[i] = j + 1;
                }
                if (j == steps - 1) break;
                var keep = torch.tensor(length.Select(l => l < 0).ToArray(), device: w.device).unsqueeze(1);
                var safe = torch.where(beta.gt(0), beta, torch.ones_like(beta)).unsqueeze(1);
                var next = torch.where(keep, w / safe, torch.zeros_like(w));
                basis.Add(next.DetachFromDisposeScope());
                previous = q;
                betaPrevious = b;
                if (length.All(l => l >= 0)) break;
            }
            return Diagonalise(alphas, betas, length, basis, count);
        }
        finally
        {
            foreach (var q in basis) q.Dispose();
        }
    }

    private static LanczosResult Diagonalise(List<double[]> alphas, List<double[]> betas, int[] length, List<Tensor> basis, int count)
    {
        int n = length.Length;
        var top = new double[n][];
        var bottom = new double[n];
        var dominant = new double[n];
        var ritz = new double[n][];
        for (int i = 0; i < n; i++)
        {
            int m = length[i];
            var t = Matrix<double>.Build.Dense(m, m);
            for (int j = 0; j < m; j++)
            {
                t[j, j] = alphas[j][i];
                if (j + 1 < m) t[j, j + 1] = t[j + 1, j] = betas[j][i];
            }
            var evd = t.Evd(Symmetricity.Symmetric);
            var values = evd.EigenValues.Select(c => c.Real).ToArray();
            var order = Enumerable.Range(0, m).OrderByDescending(k => values[k]).ToArray();
            top[i] = order.Take(count).Select(k => values[k]).ToArray();
            bottom[i] = values[order[^1]];
            int best = order.MaxBy(k => Math.Abs(values[k]));
            dominant[i] = values[best];
            ritz[i] = evd.EigenVectors.Column(best).ToArray();
        }
        // Ritz vector of the dominant value: y = sum_j s_j q_j, per row.
        using var scope = torch.NewDisposeScope();
        var q0 = basis[0];
        var vector = torch.zeros_like(q0);
        int steps = basis.Count;
        for (int j = 0; j < steps; j++)
        {
            var s = torch.tensor(Enumerable.Range(0, n).Select(i => j < length[i] ? ritz[i][j] : 0.0).ToArray(), dtype: q0.dtype, device: q0.device);
            vector = vector + s.unsqueeze(1) * basis[j];
        }
        var norm = vector.norm(1, keepdim: true);
        vector = vector / torch.where(norm.gt(0), norm, torch.ones_like(norm));
        return new LanczosResult(top, bottom, dominant, vector.MoveToOuterDisposeScope(), length);
    }
}
