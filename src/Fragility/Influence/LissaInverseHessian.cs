using Fragility.Geometry;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>
/// H^-1 v by LiSSA (Agarwal, Bullins and Hazan, "Second-order stochastic optimization for machine learning in linear
/// time", JMLR 2017), the estimator Koh and Liang (ICML 2017) use for large models: the truncated Neumann series of
/// <see cref="LissaOptions"/>, on full-batch or mini-batch Hessian-vector products, averaged over repeats.
/// </summary>
public sealed class LissaInverseHessian : IInverseHessianSolver, IDisposable
{
    private readonly HeadObjective _objective;
    private readonly HessianOperator _hessian;
    private readonly LissaOptions _options;
    private readonly Random _random;

    /// <summary>Prepares products with H at <paramref name="theta"/>; estimates the scale if not given.</summary>
    public LissaInverseHessian(HeadObjective objective, Vector<double> theta, LissaOptions? options = null)
    {
        _options = options ?? new LissaOptions();
        _options.Validate();
        _objective = objective;
        _hessian = new HessianOperator(objective, objective.Probabilities(theta));
        _random = new Random(_options.Seed);
        Scale = _options.Scale ?? 1.05 * LargestEigenvalue(200);
    }

    /// <inheritdoc />
    public string Name => "lissa";

    /// <inheritdoc />
    public int ParameterCount => _objective.ParameterCount;

    /// <summary>The scale used (given, or 1.05 x the estimated largest eigenvalue of H).</summary>
    public double Scale { get; }

    /// <inheritdoc />
    public Vector<double> Solve(Vector<double> v)
    {
        var sum = Vector<double>.Build.Dense(v.Count);
        double limit = 1e6 * (v.L2Norm() + double.Epsilon);
        for (int r = 0; r < _options.Repeats; r++)
        {
            var h = v.Clone();
            for (int j = 0; j < _options.Depth; j++)
                h = v + (1 - _options.Damping) * h - Apply(h, SampleRows()) / Scale;
            // The recursion converges only if the scale exceeds half the largest eigenvalue of every sampled Hessian;
            // a mini-batch of borderline points can break that and the series then grows without bound.
            double norm = h.L2Norm();
            if (!double.IsFinite(norm) || norm > limit)
                throw new FragilityException($"LiSSA diverged (scale {Scale:G3}{(_options.BatchSize is int b ? $", batch {b}" : "")}): " +
                    "raise --lissa-scale, use full-batch products, or use --solver cg.");
            sum += h / Scale;
        }
        return sum / _options.Repeats;
    }

    /// <summary>Frees the native tensors of the Hessian operator (large heads use TorchSharp matmuls).</summary>
    public void Dispose() => _hessian.Dispose();

    private int[]? SampleRows()
    {
        if (_options.BatchSize is not int b) return null;
        var rows = new int[b];
        for (int i = 0; i < b; i++) rows[i] = _random.Next(_objective.Count);
        return rows;
    }

    private Vector<double> Apply(Vector<double> v, int[]? rows)
    {
        var hv = _hessian.Apply(v, rows);
        if (_objective.NullDirection is { } u) hv += u * u.DotProduct(v);
        return hv;
    }

    private double LargestEigenvalue(int iterations)
    {
        // The library's power iteration on the full-batch H from a fixed start, every iteration run (tolerance 0);
        // slightly low estimates are covered by the 1.05 margin.
        var rng = new Random(12345);
        var start = new double[ParameterCount];
        for (int i = 0; i < start.Length; i++) start[i] = rng.NextDouble() - 0.5;
        using var scope = torch.NewDisposeScope();
        using var estimate = PowerIteration.Run(new FullHessian(this), torch.tensor(start, [1, start.Length], dtype: ScalarType.Float64), iterations, tolerance: 0);
        return Math.Max(estimate.Values[0], 1e-12);
    }

    /// <summary>The full-batch H (with the null-direction term) as an operator on one float64 row.</summary>
    private sealed class FullHessian(LissaInverseHessian owner) : ILinearOperator
    {
        public long Dimension => owner.ParameterCount;

        public bool IsSymmetric => true;

        public Tensor Apply(Tensor vectors)
        {
            var v = Vector<double>.Build.DenseOfArray(vectors.to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray());
            return torch.tensor(owner.Apply(v, null).ToArray(), vectors.shape, dtype: ScalarType.Float64).to(vectors.device);
        }
    }
}
