using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Attribution;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Geometry;

/// <summary>Hessian-vector products against float64 finite differences of gradients, and the eigen solvers against the
/// exact dense Hessian of a tiny network (closed form, diagonalised by MathNet).</summary>
public sealed class HessianTests : OneTorchThread
{
    [Fact]
    public void HessianVectorProducts_EqualCentralDifferencesOfGradients_OnASoftplusCnn()
    {
        using var model = TestModels.HeInit(TestModels.SmoothCnn(71), 71);
        using var x = TestModels.Inputs(3, 72);
        using var target = TestModels.Predicted(model, x);
        using var g = new torch.Generator(73);
        using var v = torch.randn(x.shape, dtype: ScalarType.Float64, generator: g);
        using var hessian = new InputHessian(model, x, target);
        using var product = hessian.Apply(v);
        const double h = 1e-5;
        using var plus = Gradients.OfClassScore(model, x + h * v, target, createGraph: false);
        using var minus = Gradients.OfClassScore(model, x - h * v, target, createGraph: false);
        using var difference = (plus - minus) / (2 * h);
        for (int i = 0; i < 3; i++)
        {
            double error = (product[i] - difference[i]).norm().item<double>(), size = difference[i].norm().item<double>();
            Assert.True(size > 1e-3, $"image {i}: curvature too small to test ({size})");
            Assert.True(error <= 1e-6 * size, $"image {i}: |Hv - finite difference| = {error}, |finite difference| = {size}");
        }
        // Repeated products reuse the kept graph and stay exact.
        using var again = hessian.Apply(v);
        Assert.Equal(0.0, (again - product).abs().max().item<double>(), 12);
        Assert.Equal(2, hessian.Products);
    }

    [Fact]
    public void HessianOfAReluNetwork_IsZero_WithoutCrashing()
    {
        using var model = TestModels.HeInit(TestModels.ReluCnn(74), 74);
        using var x = TestModels.Inputs(2, 75);
        using var target = TestModels.Predicted(model, x);
        using var v = torch.ones_like(x);
        using var product = InputHessian.Product(model, x, target, v);
        Assert.Equal(0.0, product.abs().max().item<double>());
    }

    [Fact]
    public void PowerIterationAndLanczos_FindTheEigenvaluesOfTheExactDenseHessian()
    {
        const double beta = 2.0;
        using var model = GeometryTestModels.Mlp(76, beta: beta);
        using var x = TestModels.Inputs(2, 77, size: GeometryTestModels.Side);
        using var target = TestModels.Predicted(model, x);
        var labels = target.data<long>().ToArray();
        var exact = Enumerable.Range(0, 2).Select(i =>
        {
            var hessian = GeometryTestModels.ExactHessian(model, x[i].flatten().data<double>().ToArray(), (int)labels[i], beta);
            var evd = hessian.Evd(Symmetricity.Symmetric);
            return (Values: evd.EigenValues.Select(c => c.Real).OrderDescending().ToArray(), Evd: evd);
        }).ToArray();

        using var operatorHessian = new InputHessian(model, x, target);
        using var g = new torch.Generator(78);
        using var start = torch.randn([2, GeometryTestModels.Dimension], dtype: ScalarType.Float64, generator: g);

        // Lanczos with m = D is exact: every Ritz value is an eigenvalue.
        using (var full = Lanczos.Run(operatorHessian, start, steps: GeometryTestModels.Dimension, count: 5))
        {
            for (int i = 0; i < 2; i++)
            {
                for (int j = 0; j < 5; j++)
                    Assert.True(Math.Abs(full.Largest[i][j] - exact[i].Values[j]) <= 1e-8 * Math.Abs(exact[i].Values[0]),
                        $"image {i}, eigenvalue {j}: Lanczos {full.Largest[i][j]}, exact {exact[i].Values[j]}");
                Assert.Equal(exact[i].Values[^1], full.Smallest[i], 8);
            }
        }
        // Few steps still find the extreme eigenvalue of largest magnitude, with its eigenvector.
        using (var few = Lanczos.Run(operatorHessian, start, steps: 20, count: 1))
        {
            for (int i = 0; i < 2; i++)
            {
                double dominant = exact[i].Values.MaxBy(Math.Abs);
                Assert.True(Math.Abs(few.Dominant[i] - dominant) <= 1e-6 * Math.Abs(dominant), $"image {i}: Lanczos {few.Dominant[i]}, exact {dominant}");
                var vector = Vector<double>.Build.DenseOfArray(few.DominantVectors[i].data<double>().ToArray());
                var values = exact[i].Evd.EigenValues.Select(c => c.Real).ToArray();
                var truth = exact[i].Evd.EigenVectors.Column(Array.IndexOf(values, dominant));
                Assert.True(Math.Abs(vector.DotProduct(truth)) > 1 - 1e-6, $"image {i}: |cos| to the exact eigenvector {Math.Abs(vector.DotProduct(truth))}");
            }
        }
        using var power = PowerIteration.Run(operatorHessian, start, iterations: 2000, tolerance: 1e-13);
        for (int i = 0; i < 2; i++)
        {
            double dominant = exact[i].Values.MaxBy(Math.Abs);
            Assert.True(power.Converged[i], $"image {i}: power iteration did not converge");
            Assert.True(Math.Abs(power.Values[i] - dominant) <= 1e-7 * Math.Abs(dominant), $"image {i}: power iteration {power.Values[i]}, exact {dominant}");
        }
    }

    [Fact]
    public void RankOneScore_HasItsGradientAlongTheTopEigenvector()
    {
        // score_0 = a softplus(w . z + b) + c: gradient and Hessian (a g'' w w^T) both lie along w, so the angle is 0.
        torch.manual_seed(79);
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(GeometryTestModels.Dimension, 1)), ("2", new SwitchableActivation()), ("3", nn.Linear(1, 2)));
        using var model = TestModels.Wrap(net, 1, GeometryTestModels.Side, GeometryTestModels.Side, 2);
        model.SetActivation(ActivationMode.Softplus, 1.0);
        using var x = TestModels.Inputs(2, 80, size: GeometryTestModels.Side);
        using var target = torch.zeros(2, dtype: ScalarType.Int64);
        using var hessian = new InputHessian(model, x, target);
        using var start = torch.ones([2, GeometryTestModels.Dimension], dtype: ScalarType.Float64);
        using var lanczos = Lanczos.Run(hessian, start, steps: 5, count: 1);
        var angles = AngleMeasurement.Angles(hessian.Gradient, lanczos.DominantVectors, acute: true);
        Assert.All(angles, a => Assert.True(a < 1e-4, $"angle {a}"));
        // The Krylov space of a rank-one operator from a generic start has dimension 2: Lanczos stops there.
        Assert.All(lanczos.Steps, s => Assert.Equal(2, s));
    }

    [Fact]
    public void Angles_AreThoseOfHandPickedVectors()
    {
        using var a = torch.tensor(new double[] { 1, 0, 0, 1, 0, 0, 1, 1, 0 }, [3, 3]);
        using var b = torch.tensor(new double[] { 0, 1, 0, -1, 0, 0, 1, 0, 0 }, [3, 3]);
        var general = AngleMeasurement.Angles(a, b, acute: false);
        Assert.Equal(90, general[0], 10);
        Assert.Equal(180, general[1], 10);
        Assert.Equal(45, general[2], 10);
        var acute = AngleMeasurement.Angles(a, b, acute: true);
        Assert.Equal(0, acute[1], 10);
        using var zero = torch.zeros([1, 3], dtype: ScalarType.Float64);
        using var one = torch.ones([1, 3], dtype: ScalarType.Float64);
        Assert.True(double.IsNaN(AngleMeasurement.Angles(zero, one, acute: false)[0]));
        var stats = AngleStatistics.Of([85, 95, 70, double.NaN]);
        Assert.Equal(3, stats.Count);
        Assert.Equal(1, stats.Undefined);
        Assert.Equal(250 / 3.0, stats.Mean, 10);
        Assert.Equal(2 / 3.0, stats.NearOrthogonal, 10);
    }
}
