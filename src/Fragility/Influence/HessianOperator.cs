using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>
/// Products with the Hessian of a <see cref="HeadObjective"/> at fixed probabilities, in float64 with TorchSharp's BLAS
/// (matrix products over all training rows at once: about 10x faster here than managed loops for a 1290-parameter
/// softmax head on 5000 points). The tensors are small and freed by their finalizers when not disposed.
/// </summary>
internal sealed class HessianOperator : IDisposable
{
    private readonly HeadObjective _objective;
    private readonly Tensor _aug;    // [n, d + 1]
    private readonly Tensor _probs;  // [n, Outputs]: sigmoid(z) (binary) or softmax(z)
    private readonly Tensor _weights; // [n]: c_i
    private readonly Tensor _mask;   // [Outputs, d + 1]: 1 on weights, 0 on biases

    public HessianOperator(HeadObjective objective, double[][] probs)
    {
        _objective = objective;
        int n = objective.Count, k = objective.Outputs, d1 = objective.FeatureDimension + 1;
        _aug = torch.tensor(objective.AugmentedRows, new long[] { n, d1 }, dtype: ScalarType.Float64);
        _probs = torch.tensor(probs.SelectMany(p => p).ToArray(), new long[] { n, k }, dtype: ScalarType.Float64);
        _weights = torch.tensor(objective.Weights.ToArray(), dtype: ScalarType.Float64);
        var mask = new double[k * d1];
        for (int o = 0; o < k; o++) for (int j = 0; j < d1 - 1; j++) mask[o * d1 + j] = 1;
        _mask = torch.tensor(mask, new long[] { k, d1 }, dtype: ScalarType.Float64);
    }

    /// <summary>H v; with <paramref name="rows"/> the data term is the mean over those rows only (a mini-batch estimate).</summary>
    public Vector<double> Apply(Vector<double> v, IReadOnlyList<int>? rows = null)
    {
        int k = _objective.Outputs, d1 = _objective.FeatureDimension + 1;
        using var scope = torch.NewDisposeScope();
        var vt = torch.tensor(v.AsArray() ?? v.ToArray(), new long[] { k, d1 }, dtype: ScalarType.Float64);
        Tensor aug = _aug, p = _probs, c = _weights;
        double scale = 1.0 / _objective.Count;
        if (rows is not null)
        {
            var idx = torch.tensor(rows.Select(r => (long)r).ToArray());
            aug = _aug.index_select(0, idx); p = _probs.index_select(0, idx); c = _weights.index_select(0, idx);
            scale = 1.0 / rows.Count;
        }
        var a = aug.matmul(vt.t());                                    // [m, K]: phi~_i . v_k
        var u = k == 1 ? p * (1 - p) * a : p * (a - (p * a).sum(1, keepdim: true));
        var hv = (u * (c * scale).unsqueeze(1)).t().matmul(aug) + _objective.L2 * _mask * vt;
        return Vector<double>.Build.DenseOfArray(hv.contiguous().data<double>().ToArray());
    }

    /// <summary>The diagonal of H (for Jacobi preconditioning).</summary>
    public Vector<double> Diagonal()
    {
        int k = _objective.Outputs;
        using var scope = torch.NewDisposeScope();
        var a = _probs * (1 - _probs); // a_i[k, k] = p_k (1 - p_k), binary and softmax alike
        _ = k;
        var diag = (a * (_weights / _objective.Count).unsqueeze(1)).t().matmul(_aug * _aug) + _objective.L2 * _mask;
        return Vector<double>.Build.DenseOfArray(diag.contiguous().data<double>().ToArray());
    }

    /// <summary>The dense Hessian (ParameterCount x ParameterCount).</summary>
    public Matrix<double> Dense()
    {
        int k = _objective.Outputs, d1 = _objective.FeatureDimension + 1, p = k * d1;
        using var scope = torch.NewDisposeScope();
        var c = _weights / _objective.Count;
        var h = torch.zeros(p, p, dtype: ScalarType.Float64);
        var augT = _aug.t();
        for (int row = 0; row < k; row++)
        {
            // Coefficients a_i[row, l] = c_i (delta_rl p_r - p_r p_l) for every l at once: [K, n].
            var pr = _probs[.., row];
            var coef = k == 1 ? (pr * (1 - pr)).unsqueeze(1) : -pr.unsqueeze(1) * _probs;
            if (k > 1) coef[.., row] += pr;
            coef = (coef * c.unsqueeze(1)).t();
            var blocks = augT.unsqueeze(0).matmul(coef.unsqueeze(2) * _aug.unsqueeze(0)); // [K, d1, d1]
            h[(row * d1)..((row + 1) * d1), ..] = blocks.permute(1, 0, 2).reshape(d1, p);
        }
        h += torch.diag((_objective.L2 * _mask).reshape(-1));
        var values = h.contiguous().data<double>().ToArray();
        return Matrix<double>.Build.DenseOfRowMajor(p, p, values);
    }

    public void Dispose()
    {
        _aug.Dispose(); _probs.Dispose(); _weights.Dispose(); _mask.Dispose();
    }
}
