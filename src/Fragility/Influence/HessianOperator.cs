using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>
/// Products with the Hessian of a <see cref="HeadObjective"/> at fixed probabilities, in float64, with managed loops or
/// TorchSharp's BLAS (<see cref="HessianBackend"/>). Small heads stay managed: besides being fast enough, that keeps
/// native calls out of allocation-heavy loops (Newton retraining), where TorchSharp 0.107 was seen to report spurious
/// native errors when a garbage collection ran during a call.
/// </summary>
internal sealed class HessianOperator : IDisposable
{
    /// <summary>Largest P^2 n handled by managed loops under <see cref="HessianBackend.Auto"/>.</summary>
    public const double ManagedLimit = 2e8;

    private readonly HeadObjective _objective;
    private readonly double[][] _probs;     // n x Outputs: sigmoid(z) (binary) or softmax(z)
    private readonly Tensor? _aug;          // [n, d + 1]
    private readonly Tensor? _probsT;       // [n, Outputs]
    private readonly Tensor? _weights;      // [n]: c_i
    private readonly Tensor? _mask;         // [Outputs, d + 1]: 1 on weights, 0 on biases

    public HessianOperator(HeadObjective objective, double[][] probs)
    {
        _objective = objective;
        _probs = probs;
        int n = objective.Count, k = objective.Outputs, d1 = objective.FeatureDimension + 1;
        UsesTorch = objective.Backend == HessianBackend.Torch
            || (objective.Backend == HessianBackend.Auto && (double)objective.ParameterCount * objective.ParameterCount * n > ManagedLimit);
        if (!UsesTorch) return;
        _aug = torch.tensor(objective.AugmentedRows, new long[] { n, d1 }, dtype: ScalarType.Float64);
        _probsT = torch.tensor(probs.SelectMany(p => p).ToArray(), new long[] { n, k }, dtype: ScalarType.Float64);
        _weights = torch.tensor(objective.Weights.ToArray(), dtype: ScalarType.Float64);
        _mask = torch.tensor(Mask(k, d1), new long[] { k, d1 }, dtype: ScalarType.Float64);
    }

    /// <summary>True when products run on TorchSharp.</summary>
    public bool UsesTorch { get; }

    /// <summary>H v; with <paramref name="rows"/> the data term is the mean over those rows only (a mini-batch estimate).</summary>
    public Vector<double> Apply(Vector<double> v, IReadOnlyList<int>? rows = null) => UsesTorch ? ApplyTorch(v, rows) : ApplyManaged(v, rows);

    /// <summary>The diagonal of H (for Jacobi preconditioning).</summary>
    public Vector<double> Diagonal()
    {
        int k = _objective.Outputs, d1 = _objective.FeatureDimension + 1, n = _objective.Count;
        var aug = _objective.AugmentedRows;
        var diag = new double[k * d1];
        for (int i = 0; i < n; i++)
        {
            double c = _objective.Weights[i] / n;
            if (c == 0) continue;
            for (int o = 0; o < k; o++)
            {
                double a = c * _probs[i][o] * (1 - _probs[i][o]); // a_i[o, o] = p_o (1 - p_o), binary and softmax alike
                for (int j = 0; j < d1; j++) diag[o * d1 + j] += a * aug[i * d1 + j] * aug[i * d1 + j];
            }
        }
        var mask = Mask(k, d1);
        for (int j = 0; j < diag.Length; j++) diag[j] += _objective.L2 * mask[j];
        return Vector<double>.Build.DenseOfArray(diag);
    }

    /// <summary>The dense Hessian (ParameterCount x ParameterCount).</summary>
    public Matrix<double> Dense() => UsesTorch ? DenseTorch() : DenseManaged();

    private Vector<double> ApplyManaged(Vector<double> v, IReadOnlyList<int>? rows)
    {
        int d1 = _objective.FeatureDimension + 1, k = _objective.Outputs;
        var aug = _objective.AugmentedRows;
        var va = v.AsArray() ?? v.ToArray();
        var result = new double[k * d1];
        var a = new double[k];
        var u = new double[k];
        int m = rows?.Count ?? _objective.Count;
        double scale = 1.0 / m;
        for (int t = 0; t < m; t++)
        {
            int i = rows?[t] ?? t;
            double c = _objective.Weights[i] * scale;
            if (c == 0) continue;
            var row = aug.AsSpan(i * d1, d1);
            for (int o = 0; o < k; o++)
            {
                var vo = va.AsSpan(o * d1, d1);
                double dot = 0;
                for (int j = 0; j < d1; j++) dot += row[j] * vo[j];
                a[o] = dot;
            }
            var p = _probs[i];
            if (k == 1) u[0] = p[0] * (1 - p[0]) * a[0];
            else
            {
                double pa = 0;
                for (int o = 0; o < k; o++) pa += p[o] * a[o];
                for (int o = 0; o < k; o++) u[o] = p[o] * (a[o] - pa);
            }
            for (int o = 0; o < k; o++)
            {
                double co = c * u[o];
                if (co == 0) continue;
                var ro = result.AsSpan(o * d1, d1);
                for (int j = 0; j < d1; j++) ro[j] += co * row[j];
            }
        }
        var mask = Mask(k, d1);
        for (int j = 0; j < result.Length; j++) result[j] += _objective.L2 * mask[j] * va[j];
        return Vector<double>.Build.DenseOfArray(result);
    }

    private Matrix<double> DenseManaged()
    {
        int n = _objective.Count, d1 = _objective.FeatureDimension + 1, k = _objective.Outputs, p = k * d1;
        var aug = Matrix<double>.Build.DenseOfRowMajor(n, d1, _objective.AugmentedRows);
        var h = Matrix<double>.Build.Dense(p, p);
        var scaled = Matrix<double>.Build.Dense(n, d1);
        var block = Matrix<double>.Build.Dense(d1, d1);
        var src = aug.AsColumnMajorArray();
        var dst = scaled.AsColumnMajorArray();
        var coef = new double[n];
        for (int r = 0; r < k; r++)
        for (int l = r; l < k; l++)
        {
            // Block (r, l) = (1/n) Phi~^T diag(c_i a_i[r, l]) Phi~, a_i = p(1 - p) (binary) or diag(p) - p p^T.
            for (int i = 0; i < n; i++)
            {
                var pi = _probs[i];
                coef[i] = _objective.Weights[i] / n * (k == 1 ? pi[0] * (1 - pi[0]) : (r == l ? pi[r] : 0) - pi[r] * pi[l]);
            }
            for (int col = 0; col < d1; col++)
                for (int i = 0; i < n; i++) dst[col * n + i] = src[col * n + i] * coef[i];
            aug.TransposeThisAndMultiply(scaled, block);
            h.SetSubMatrix(r * d1, l * d1, block);
            if (l != r) h.SetSubMatrix(l * d1, r * d1, block.Transpose());
        }
        for (int o = 0; o < k; o++)
            for (int j = 0; j < d1 - 1; j++) h[o * d1 + j, o * d1 + j] += _objective.L2;
        return h;
    }

    private Vector<double> ApplyTorch(Vector<double> v, IReadOnlyList<int>? rows)
    {
        int k = _objective.Outputs, d1 = _objective.FeatureDimension + 1;
        using var scope = torch.NewDisposeScope();
        var vt = torch.tensor(v.AsArray() ?? v.ToArray(), new long[] { k, d1 }, dtype: ScalarType.Float64);
        Tensor aug = _aug!, p = _probsT!, c = _weights!;
        double scale = 1.0 / _objective.Count;
        if (rows is not null)
        {
            var idx = torch.tensor(rows.Select(r => (long)r).ToArray());
            aug = aug.index_select(0, idx); p = p.index_select(0, idx); c = c.index_select(0, idx);
            scale = 1.0 / rows.Count;
        }
        var a = aug.matmul(vt.t());                                    // [m, K]: phi~_i . v_k
        var u = k == 1 ? p * (1 - p) * a : p * (a - (p * a).sum(1, keepdim: true));
        var hv = (u * (c * scale).unsqueeze(1)).t().matmul(aug) + _objective.L2 * _mask! * vt;
        return Vector<double>.Build.DenseOfArray(hv.contiguous().cpu().data<double>().ToArray());
    }

    private Matrix<double> DenseTorch()
    {
        int k = _objective.Outputs, d1 = _objective.FeatureDimension + 1, p = k * d1;
        using var scope = torch.NewDisposeScope();
        var c = _weights! / _objective.Count;
        var h = torch.zeros(p, p, dtype: ScalarType.Float64);
        var augT = _aug!.t();
        for (int row = 0; row < k; row++)
        {
            // Coefficients a_i[row, l] = c_i (delta_rl p_r - p_r p_l) for every l at once: [K, n].
            var pr = _probsT![.., row];
            var coef = k == 1 ? (pr * (1 - pr)).unsqueeze(1) : -pr.unsqueeze(1) * _probsT;
            if (k > 1) coef[.., row] += pr;
            coef = (coef * c.unsqueeze(1)).t();
            var blocks = augT.unsqueeze(0).matmul(coef.unsqueeze(2) * _aug.unsqueeze(0)); // [K, d1, d1]
            h[(row * d1)..((row + 1) * d1), ..] = blocks.permute(1, 0, 2).reshape(d1, p);
        }
        h += torch.diag((_objective.L2 * _mask!).reshape(-1));
        var values = h.contiguous().cpu().data<double>().ToArray();
        return Matrix<double>.Build.DenseOfRowMajor(p, p, values);
    }

    private static double[] Mask(int k, int d1)
    {
        var mask = new double[k * d1];
        for (int o = 0; o < k; o++) for (int j = 0; j < d1 - 1; j++) mask[o * d1 + j] = 1;
        return mask;
    }

    public void Dispose()
    {
        _aug?.Dispose(); _probsT?.Dispose(); _weights?.Dispose(); _mask?.Dispose();
    }
}
