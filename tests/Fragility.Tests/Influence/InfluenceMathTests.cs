using Fragility.Influence;
using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Tests.Influence;

/// <summary>Influence functions of small logistic and softmax heads against hand-computed and independently computed truth.</summary>
public class InfluenceMathTests
{
    private static Matrix<double> M(double[,] a) => Matrix<double>.Build.DenseOfArray(a);

    [Fact]
    public void Influence_EqualsHandComputedValue_OnSymmetricProblem()
    {
        // Every location carries both labels, so the optimum is theta = 0 (p = 1/2 everywhere) and, with
        // lambda = 0.1, H = (1/24) sum x~ x~^T + 0.1 diag(1, 1, 0) = [[4/15, 0, 0], [0, 13/30, 1/6], [0, 1/6, 1/4]].
        // Test (1, 1) with label 1, training point (1, 0) with label 1: g = -(1/2) x~ for both, so
        // I = -(1/4) (1,1,1) H^-1 (1,0,1)^T = -(1/4)(15/4 - 60/29 + 156/29) = -819/464.
        var x = M(new double[,] { { 1, 0 }, { 1, 0 }, { -1, 0 }, { -1, 0 }, { 0, 2 }, { 0, 2 } });
        var y = new[] { 1, 0, 1, 0, 1, 0 };
        var objective = new HeadObjective(x, y, 2, 0.1);
        var fit = NewtonTrainer.Minimize(objective);
        Assert.True(fit.Converged);
        Assert.True(fit.Parameters.L2Norm() < 1e-12, $"theta {fit.Parameters}");
        var influence = new InfluenceFunctions(objective, fit.Parameters, new ExactInverseHessian(objective, fit.Parameters));
        var values = influence.Influence([1.0, 1.0], 1);
        Assert.Equal(-819.0 / 464.0, values[0], 12);
        // Point 1 is the same location with the other label: g_1 = +(1/2) x~, so its influence is the negative.
        Assert.Equal(819.0 / 464.0, values[1], 12);
    }

    [Theory]
    [InlineData(HessianBackend.Managed)]
    [InlineData(HessianBackend.Torch)]
    public void Logistic_GradientHessianAndInfluence_MatchIndependentComputation(HessianBackend backend)
    {
        var (x, y) = RandomProblem(seed: 3, n: 12, d: 2, classes: 2);
        const double lambda = 0.05;
        var objective = new HeadObjective(x, y, 2, lambda) { Backend = backend };
        var fit = NewtonTrainer.Minimize(objective);
        Assert.True(fit.Converged);
        var th = fit.Parameters;

        // Independent: loops over the points with sigmoid, the stationarity condition, the Hessian, MathNet's inverse.
        int n = x.RowCount;
        Vector<double> Aug(int i) => Vector<double>.Build.DenseOfArray([x[i, 0], x[i, 1], 1.0]);
        double P(Vector<double> a) => 1 / (1 + Math.Exp(-th.DotProduct(a)));
        var grad = Vector<double>.Build.Dense(3);
        var hess = Matrix<double>.Build.Dense(3, 3);
        for (int i = 0; i < n; i++)
        {
            var a = Aug(i);
            double p = P(a);
            grad += (p - y[i]) / n * a;
            hess += p * (1 - p) / n * a.OuterProduct(a);
        }
        grad += lambda * Vector<double>.Build.DenseOfArray([th[0], th[1], 0]);
        hess += lambda * Matrix<double>.Build.DenseDiagonal(3, 3, i => i < 2 ? 1 : 0);
        Assert.True(grad.L2Norm() < 1e-9, $"not a minimiser: |grad| = {grad.L2Norm()}");
        Assert.True((hess - objective.Hessian(th)).L1Norm() < 1e-12);
        var hinv = hess.Inverse();

        var test = Vector<double>.Build.DenseOfArray([0.3, -0.7, 1.0]);
        const int testLabel = 1;
        var gt = (P(test) - testLabel) * test;
        var influence = new InfluenceFunctions(objective, th, new ExactInverseHessian(objective, th)).Influence([0.3, -0.7], testLabel);
        for (int i = 0; i < n; i++)
        {
            var gi = (P(Aug(i)) - y[i]) * Aug(i);
            Assert.Equal(-gt.DotProduct(hinv * gi), influence[i], 10);
        }
    }

    [Theory]
    [InlineData(HessianBackend.Managed)]
    [InlineData(HessianBackend.Torch)]
    public void Softmax_HessianMatchesFiniteDifferenceOfGradient(HessianBackend backend)
    {
        var (x, y) = RandomProblem(seed: 5, n: 15, d: 2, classes: 3);
        var objective = new HeadObjective(x, y, 3, 0.1) { Backend = backend };
        var rng = new Random(1);
        var th = Vector<double>.Build.Dense(objective.ParameterCount, _ => rng.NextDouble() - 0.5);
        var h = objective.Hessian(th);
        const double step = 1e-5;
        for (int j = 0; j < objective.ParameterCount; j++)
        {
            var e = Vector<double>.Build.Dense(objective.ParameterCount);
            e[j] = step;
            var column = (objective.Gradient(th + e) - objective.Gradient(th - e)) / (2 * step);
            for (int i = 0; i < objective.ParameterCount; i++) Assert.Equal(column[i], h[i, j], 8);
        }
        // Gradient itself against a central difference of the value.
        var g = objective.Gradient(th);
        for (int j = 0; j < objective.ParameterCount; j++)
        {
            var e = Vector<double>.Build.Dense(objective.ParameterCount);
            e[j] = step;
            Assert.Equal((objective.Value(th + e) - objective.Value(th - e)) / (2 * step), g[j], 8);
        }
        // Flat along the bias shift: H u = 0.
        Assert.True((h * objective.NullDirection!).L2Norm() < 1e-12);
        var v = Vector<double>.Build.Dense(objective.ParameterCount, i => Math.Sin(i));
        Assert.True((h * v - objective.HessianVectorProduct(th, v)).L2Norm() < 1e-12);
    }

    [Theory]
    [InlineData(2, HessianBackend.Managed)]
    [InlineData(3, HessianBackend.Managed)]
    [InlineData(2, HessianBackend.Torch)]
    [InlineData(3, HessianBackend.Torch)]
    public void ExactConjugateGradientAndLissa_Agree(int classes, HessianBackend backend)
    {
        var (x, y) = RandomProblem(seed: 7, n: 30, d: 3, classes: classes);
        var objective = new HeadObjective(x, y, classes, 0.2) { Backend = backend };
        var th = NewtonTrainer.Minimize(objective).Parameters;
        var exact = new InfluenceFunctions(objective, th, new ExactInverseHessian(objective, th));
        var cg = new InfluenceFunctions(objective, th, new ConjugateGradientInverseHessian(objective, th, 1e-12));
        var lissa = new InfluenceFunctions(objective, th, new LissaInverseHessian(objective, th, new LissaOptions { Depth = 600 }));
        double[] test = [0.4, -1.1, 0.2];
        var a = exact.Influence(test, 1);
        var b = cg.Influence(test, 1);
        var c = lissa.Influence(test, 1);
        double scale = a.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) < 1e-9 * scale, $"cg {i}: {a[i]} vs {b[i]}");
            Assert.True(Math.Abs(a[i] - c[i]) < 1e-6 * scale, $"lissa {i}: {a[i]} vs {c[i]}");
        }
    }

    [Theory]
    [InlineData(HessianBackend.Managed)]
    [InlineData(HessianBackend.Torch)]
    public void StochasticLissa_IsCloseOnAverage(HessianBackend backend)
    {
        var (x, y) = RandomProblem(seed: 8, n: 40, d: 2, classes: 2);
        var objective = new HeadObjective(x, y, 2, 0.3) { Backend = backend };
        var th = NewtonTrainer.Minimize(objective).Parameters;
        var g = objective.ExampleGradient(th, 0);
        var exact = new ExactInverseHessian(objective, th).Solve(g);
        var lissa = new LissaInverseHessian(objective, th, new LissaOptions { Depth = 500, BatchSize = 10, Repeats = 8, Seed = 2 }).Solve(g);
        Assert.True((exact - lissa).L2Norm() < 0.1 * exact.L2Norm(), $"relative error {(exact - lissa).L2Norm() / exact.L2Norm()}");
    }

    [Theory]
    [InlineData(30.0)]
    [InlineData(40.0)]
    [InlineData(-30.0)]
    public void BinaryLoss_IsAccurateForConfidentPoints(double z)
    {
        // z = w phi + b with w = 1, b = 0. The loss of the label the head predicts is log(1 + e^-|z|), about e^-|z|;
        // computing it as softplus(z) - z cancels two numbers of size |z| (4 % error at 30, everything lost at 40).
        var head = new LinearHead(2, 1, [1.0, 0.0]);
        int label = z > 0 ? 1 : 0;
        double expected = Math.Exp(-Math.Abs(z)) - 0.5 * Math.Exp(-2 * Math.Abs(z));
        Assert.Equal(1.0, head.Loss([z], label) / expected, 12);
        // The other label's loss is about |z|.
        Assert.Equal(Math.Abs(z), head.Loss([z], 1 - label), 9);
    }

    [Fact]
    public void Lissa_WithTooSmallAScale_FailsWithAFix()
    {
        var (x, y) = RandomProblem(seed: 9, n: 30, d: 3, classes: 2);
        var objective = new HeadObjective(x, y, 2, 0.2);
        var th = NewtonTrainer.Minimize(objective).Parameters;
        using var lissa = new LissaInverseHessian(objective, th, new LissaOptions { Depth = 2000, Scale = 1e-3 });
        var e = Assert.Throws<FragilityException>(() => lissa.Solve(objective.ExampleGradient(th, 0)));
        Assert.Contains("--lissa-scale", e.Message);
    }

    [Fact]
    public void ConjugateGradient_ThatDoesNotConverge_FailsWithAFix()
    {
        var (x, y) = RandomProblem(seed: 10, n: 30, d: 3, classes: 3);
        var objective = new HeadObjective(x, y, 3, 0.2);
        var th = NewtonTrainer.Minimize(objective).Parameters;
        using var cg = new ConjugateGradientInverseHessian(objective, th, 1e-12, maxIterations: 1);
        var e = Assert.Throws<FragilityException>(() => cg.Solve(objective.ExampleGradient(th, 0)));
        Assert.Contains("--l2", e.Message);
    }

    [Fact]
    public void LeaveOneOutRetraining_MatchesPredictedChange()
    {
        var (x, y) = RandomProblem(seed: 11, n: 60, d: 3, classes: 2);
        var objective = new HeadObjective(x, y, 2, 0.1);
        var th = NewtonTrainer.Minimize(objective).Parameters;
        var influence = new InfluenceFunctions(objective, th, new ExactInverseHessian(objective, th));
        var tests = M(new double[,] { { 0.5, -0.2, 1.0 }, { -1.0, 0.3, 0.4 } });
        var result = LeaveOneOutValidation.Run(influence, tests, [1, 0], pointsPerSide: 8);
        Assert.Equal(32, result.Rows.Count);
        Assert.True(result.Pearson >= 0.95, $"Pearson {result.Pearson}");
        // The prediction is first order: actual and predicted agree to a small relative error, not just in correlation.
        double maxActual = result.Rows.Max(r => Math.Abs(r.Actual));
        Assert.True(result.Rows.All(r => Math.Abs(r.Actual - r.Predicted) < 0.2 * maxActual));
        // Helpful points (I < 0): removing them raises the test loss.
        Assert.All(result.Rows.Where(r => r.Side == "helpful" && r.Influence < -1e-3), r => Assert.True(r.Actual > 0));
    }

    [Fact]
    public void Rank_OrdersHelpfulByMostNegative()
    {
        var (helpful, harmful) = InfluenceFunctions.Rank([0.5, -2, 3, -0.1, 0], 2);
        Assert.Equal([1, 3], helpful);
        Assert.Equal([2, 0], harmful);
    }

    [Fact]
    public void NonPositiveLambda_IsRejectedWithAFix()
    {
        var e = Assert.Throws<FragilityException>(() => new HeadObjective(M(new double[,] { { 1 } }), [0], 2, 0));
        Assert.Contains("--l2", e.Message);
    }

    /// <summary>Gaussian features with labels from a noisy linear rule, so the classes overlap.</summary>
    internal static (Matrix<double> X, int[] Y) RandomProblem(int seed, int n, int d, int classes)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => Gauss());
        var w = Matrix<double>.Build.Dense(classes, d, (_, _) => Gauss());
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            var score = Enumerable.Range(0, classes).Select(k => w.Row(k).DotProduct(x.Row(i)) + 0.8 * Gauss()).ToArray();
            y[i] = Array.IndexOf(score, score.Max());
        }
        return (x, y);
    }
}
