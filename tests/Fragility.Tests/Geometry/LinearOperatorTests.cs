using Fragility.Geometry;
using Fragility.Models;
using Fragility.Tests.Attacks;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Geometry;

/// <summary>The one power iteration and the one Lanczos against MathNet's eigen- and singular-value decompositions of
/// explicit matrices (independent truth), and the one layer-chain walker against a module's own forward pass.</summary>
public sealed class LinearOperatorTests : OneTorchThread
{
    private const int D = 8;

    /// <summary>Two random symmetric D x D matrices with distinct eigenvalues (Lanczos from one start sees one copy of a
    /// repeated one) and a clear gap: A = Q diag(values) Q^T.</summary>
    private static Matrix<double>[] SymmetricMatrices()
    {
        var rng = new Random(5);
        double[][] spectra = [[9, -4, 3, 2, 1, 0.5, -0.25, 0.1], [-7, 3.5, 3, -2, 1, 0.2, 0, -0.5]];
        return spectra.Select(values =>
        {
            var q = Matrix<double>.Build.Dense(D, D, (_, _) => rng.NextDouble() - 0.5).QR().Q;
            return q * Matrix<double>.Build.DenseOfDiagonalArray(values) * q.Transpose();
        }).ToArray();
    }

    private static Tensor Batch(Matrix<double>[] matrices) =>
        torch.tensor(matrices.SelectMany(m => m.ToRowMajorArray()).ToArray(), [matrices.Length, D, D], dtype: ScalarType.Float64);

    [Fact]
    public void LanczosWithDSteps_FindsEveryEigenvalue_AndPowerIterationTheDominantOne()
    {
        var matrices = SymmetricMatrices();
        using var batch = Batch(matrices);
        var op = new MatrixOperator(batch);
        Assert.True(op.IsSymmetric);
        Assert.Equal(D, op.Dimension);
        using var g = new torch.Generator(9);
        using var start = torch.randn([2, D], dtype: ScalarType.Float64, generator: g);
        using var lanczos = Lanczos.Run(op, start, steps: D, count: D);
        using var power = PowerIteration.Run(op, start, iterations: 5000, tolerance: 1e-14);
        for (int i = 0; i < 2; i++)
        {
            var evd = matrices[i].Evd(Symmetricity.Symmetric);
            var exact = evd.EigenValues.Select(c => c.Real).ToArray();
            var descending = exact.OrderDescending().ToArray();
            for (int j = 0; j < D; j++) Assert.Equal(descending[j], lanczos.Largest[i][j], 10);
            Assert.Equal(descending[^1], lanczos.Smallest[i], 10);
            double dominant = exact.MaxBy(Math.Abs);
            Assert.Equal(dominant, lanczos.Dominant[i], 10);
            Assert.True(power.Converged[i]);
            Assert.Equal(dominant, power.Values[i], 9);
            var truth = evd.EigenVectors.Column(Array.IndexOf(exact, dominant));
            foreach (var vectors in new[] { lanczos.DominantVectors, power.Vectors })
            {
                var v = Vector<double>.Build.DenseOfArray(vectors[i].data<double>().ToArray());
                Assert.Equal(1.0, Math.Abs(v.DotProduct(truth)), 8);
            }
        }
    }

    [Fact]
    public void ProductNorm_IsTheMagnitudeOfTheDominantEigenvalue()
    {
        var matrices = SymmetricMatrices();
        using var batch = Batch(matrices);
        using var start = torch.ones([2, D], dtype: ScalarType.Float64);
        using var power = PowerIteration.Run(new MatrixOperator(batch), start, iterations: 5000, tolerance: 1e-14, estimate: PowerEstimate.ProductNorm);
        Assert.Equal(9, power.Values[0], 8);
        Assert.Equal(7, power.Values[1], 8);
    }

    [Theory]
    [InlineData(PowerEstimate.ProductNorm)]
    [InlineData(PowerEstimate.SingularValue)]
    public void NormalOperator_GivesTheLargestSingularValueOfARectangularMatrix(PowerEstimate estimate)
    {
        var rng = new Random(11);
        var a = Matrix<double>.Build.Dense(5, D, (_, _) => rng.NextDouble() - 0.5);
        double exact = a.Svd(computeVectors: false).S[0];
        using var w = torch.tensor(a.ToRowMajorArray(), [5, D], dtype: ScalarType.Float64);
        using var start = torch.ones([1, D], dtype: ScalarType.Float64);
        var (sigma, vector) = OperatorNorm.OfLinearMap(u => u.matmul(w.t()), y => y.matmul(w), start, iterations: 5000, tolerance: 1e-14, estimate: estimate);
        using var _ = vector;
        Assert.Equal(exact, sigma, 10);
        Assert.Equal([1L, D], vector.shape);
        Assert.Equal(1.0, vector.norm().item<double>(), 12);
    }

    [Fact]
    public void Solvers_RejectOperatorsTheyCannotUse()
    {
        using var m = torch.arange(9, dtype: ScalarType.Float64).reshape(3, 3);
        var op = new MatrixOperator(m);
        Assert.False(op.IsSymmetric);
        using var start = torch.ones([1, 3], dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => Lanczos.Run(op, start, 3, 1).Dispose());
        Assert.Throws<ArgumentException>(() => PowerIteration.Run(op, start).Dispose());
        Assert.Throws<ArgumentException>(() => PowerIteration.Run(op, start, estimate: PowerEstimate.SingularValue).Dispose());
        using var wrong = torch.ones([1, 4], dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => PowerIteration.Run(new MatrixOperator(m + m.t()), wrong, estimate: PowerEstimate.ProductNorm).Dispose());
    }

    private sealed class Recorder : ILayerVisitor
    {
        public List<string> Events { get; } = [];

        public void Layer(ModuleNode node, Tensor input) => Events.Add($"{node.Name}:{string.Join("x", input.shape)}");

        public void BeginBranch(ConcatNode node, int branch) => Events.Add($"branch {branch}");

        public void EndConcat(ConcatNode node) => Events.Add("end");
    }

    [Fact]
    public void LayerWalker_VisitsEveryLayerWithItsInput_AndEqualsTheForwardPass()
    {
        torch.manual_seed(12);
        var conv = nn.Conv2d(1, 2, 3, padding: 1);
        var left = nn.Conv2d(2, 3, 1);
        var right = nn.Conv2d(2, 1, 3, padding: 1);
        var pool = nn.AvgPool2d(2);
        var chain = new List<LayerNode>
        {
            new ModuleNode(conv, "conv"),
            new ConcatNode([[new ModuleNode(left, "left")], [new ModuleNode(right, "right"), new ModuleNode(nn.ReLU(), "relu")]]),
            new ModuleNode(pool, "pool"),
        };
        using var x = torch.rand([2, 1, 4, 4]);
        var recorder = new Recorder();
        using var walked = LayerChain.Walk(chain, x, recorder);
        Assert.Equal(["conv:2x1x4x4", "branch 0", "left:2x2x4x4", "branch 1", "right:2x2x4x4", "relu:2x1x4x4", "end", "pool:2x4x4x4"], recorder.Events);
        using var direct = pool.forward(torch.cat([left.forward(conv.forward(x)), nn.functional.relu(right.forward(conv.forward(x)))], 1));
        Assert.Equal(0.0, (walked - direct).abs().max().item<float>());
    }
}
