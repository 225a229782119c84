using Fragility.Metrics;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Metrics;

public class SensitivityTests
{
    private const double Radius = 8;             // 0-255 scale
    private const double R = Radius / 255.0;     // pixel scale

    /// <summary>e(x) = A x per input (x flattened), recording every batch it is called with.</summary>
    private sealed class LinearExplanation(Matrix<double> a)
    {
        public List<double[][]> Calls { get; } = [];

        public Tensor Explain(Tensor x)
        {
            long n = x.shape[0];
            var flat = x.reshape(n, -1).to(ScalarType.Float64);
            Calls.Add(Enumerable.Range(0, (int)n).Select(i => flat[i].data<double>().ToArray()).ToArray());
            using var at = torch.tensor(a.Transpose().ToRowMajorArray(), [a.ColumnCount, a.RowCount], dtype: ScalarType.Float64);
            return flat.matmul(at);
        }
    }

    private static Tensor Inputs(int seed, long n, long c, long h, long w, double lo = 0.25, double hi = 0.75) =>
        torch.rand([n, c, h, w], generator: new torch.Generator((ulong)seed, torch.CPU)).mul_(hi - lo).add_(lo);

    [Fact]
    public void LocalLipschitz_OfScaledIdentity_IsTheScale()
    {
        using var scope = torch.NewDisposeScope();
        var x = Inputs(1, 3, 1, 5, 5);
        var values = new LocalLipschitzEstimate(Radius, samples: 4, seed: 1).Evaluate(v => v.to(ScalarType.Float64) * 3.0, x);   // float64, so 3x is not rounded
        Assert.Equal(3, values.Length);
        foreach (var v in values) Assert.Equal(3.0, v, 9);
    }

    [Fact]
    public void AllThree_OnLinearExplanation_MatchClosedFormsOnTheDrawnPerturbations()
    {
        using var scope = torch.NewDisposeScope();
        var rng = new Random(3);
        const int n = 2, d = 2 * 4 * 4, m = 20, samples = 6;
        var a = Matrix<double>.Build.Dense(m, d, (_, _) => rng.NextDouble() * 2 - 1);
        var x = Inputs(2, n, 2, 4, 4);

        var maxE = new LinearExplanation(a);
        var max = new MaxSensitivity(Radius, samples, seed: 5).Evaluate(maxE.Explain, x);
        var avgE = new LinearExplanation(a);
        var avg = new AverageSensitivity(Radius, samples, seed: 5).Evaluate(avgE.Explain, x);
        var lipE = new LinearExplanation(a);
        var lip = new LocalLipschitzEstimate(Radius, samples, seed: 5).Evaluate(lipE.Explain, x);

        Assert.Equal(samples + 1, maxE.Calls.Count);   // the clean batch, then one batch per draw
        double sigmaMax = a.Svd().S[0];
        for (int i = 0; i < n; i++)
        {
            var clean = Vector<double>.Build.DenseOfArray(maxE.Calls[0][i]);
            var ratios = new List<double>();
            var lipschitz = new List<double>();
            for (int s = 1; s <= samples; s++)
            {
                var u = Vector<double>.Build.DenseOfArray(maxE.Calls[s][i]) - clean;
                Assert.InRange(u.AbsoluteMaximum(), 0.5 * R, R * (1 + 1e-6));   // the L-inf ball of radius 8/255
                ratios.Add((a * u).L2Norm() / (a * clean).L2Norm());
                lipschitz.Add((a * u).L2Norm() / u.L2Norm());
            }
            Assert.Equal(ratios.Max(), max[i], 9);
            Assert.Equal(ratios.Average(), avg[i], 9);
            Assert.Equal(lipschitz.Max(), lip[i], 9);
            Assert.True(lip[i] <= sigmaMax * (1 + 1e-9));
            Assert.True(avg[i] <= max[i]);
        }
    }

    [Fact]
    public void AverageSensitivity_OfIdentity_MatchesExpectedNoiseNorm()
    {
        // e(x) = x at x = 0.5 everywhere (no clamping): ||u|| / ||x|| with E||u||^2 = D r^2 / 3 and ||x|| = 0.5 sqrt(D),
        // so the ratio concentrates at (r / sqrt(3)) / 0.5 = 2 r / sqrt(3) (D = 768: spread about 1.6% per draw).
        using var scope = torch.NewDisposeScope();
        var x = torch.full([2, 3, 16, 16], 0.5f);
        var avg = new AverageSensitivity(Radius, samples: 20, seed: 2).Evaluate(v => v, x);
        var max = new MaxSensitivity(Radius, samples: 20, seed: 2).Evaluate(v => v, x);
        double expected = 2 * R / Math.Sqrt(3);
        foreach (var v in avg) Assert.InRange(v, 0.97 * expected, 1.03 * expected);
        for (int i = 0; i < 2; i++) Assert.InRange(max[i], avg[i], 1.1 * expected);
    }

    [Fact]
    public void PerturbedInputs_StayInPixelRange()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.cat([torch.zeros(1, 1, 6, 6), torch.ones(1, 1, 6, 6)], 0);
        var seen = new List<(double Min, double Max, double Change)>();
        new MaxSensitivity(Radius, samples: 3, seed: 4).Evaluate(v =>
        {
            seen.Add((v.min().item<float>(), v.max().item<float>(), (v - x).abs().max().item<float>()));
            return v + 1;
        }, x);
        Assert.All(seen, s => Assert.InRange(s.Min, 0.0, 1.0));
        Assert.All(seen, s => Assert.InRange(s.Max, 0.0, 1.0));
        Assert.All(seen.Skip(1), s => Assert.InRange(s.Change, 0.5 * R, R * (1 + 1e-6)));
    }

    [Fact]
    public void SameSeed_GivesSameValues_OtherSeedDiffers()
    {
        using var scope = torch.NewDisposeScope();
        var x = Inputs(6, 2, 1, 6, 6);
        Func<Tensor, Tensor> explain = v => v * v;
        var a = new MaxSensitivity(Radius, 3, seed: 9).Evaluate(explain, x);
        var b = new MaxSensitivity(Radius, 3, seed: 9).Evaluate(explain, x);
        var c = new MaxSensitivity(Radius, 3, seed: 10).Evaluate(explain, x);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ZeroExplanation_GivesZeroOrInfinity_NeverNaN()
    {
        using var scope = torch.NewDisposeScope();
        var x = Inputs(7, 2, 1, 4, 4);
        Assert.All(new MaxSensitivity(Radius, 3).Evaluate(v => v * 0.0, x), v => Assert.Equal(0.0, v));
        Assert.All(new AverageSensitivity(Radius, 3).Evaluate(v => v * 0.0, x), v => Assert.Equal(0.0, v));
        // e(x) = x - x0 is zero at the clean input and non-zero after any perturbation.
        Assert.All(new MaxSensitivity(Radius, 3).Evaluate(v => v - x, x), v => Assert.Equal(double.PositiveInfinity, v));
        Assert.All(new LocalLipschitzEstimate(Radius, 3).Evaluate(v => v - x, x), v => Assert.Equal(1.0, v, 9));
    }

    [Fact]
    public void BadArguments_ThrowFragilityException()
    {
        using var scope = torch.NewDisposeScope();
        var x = Inputs(8, 2, 1, 4, 4);
        Assert.Throws<FragilityException>(() => new MaxSensitivity(0));
        Assert.Throws<FragilityException>(() => new AverageSensitivity(8, samples: 0));
        Assert.Throws<FragilityException>(() => new LocalLipschitzEstimate(8).Evaluate(v => v, x * 255));
        Assert.Throws<FragilityException>(() => new MaxSensitivity(8).Evaluate(v => torch.cat([v, v], 0), x));
        int calls = 0;
        Assert.Throws<FragilityException>(() => new MaxSensitivity(8).Evaluate(v => calls++ == 0 ? v : v.reshape(2, -1), x));
        Assert.Throws<ArgumentException>(() => new MaxSensitivity(8).Evaluate(v => v, torch.rand(4, 4)));
    }
}
