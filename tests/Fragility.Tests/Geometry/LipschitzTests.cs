using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Attribution;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Tests.Geometry;

/// <summary>Spectral norms against the singular values of dense matrices (MathNet), and the Lipschitz bound against its
/// definition.</summary>
public sealed class LipschitzTests : OneTorchThread
{
    /// <summary>The dense matrix of a linear map on inputs of <paramref name="shape"/>: column j = map(e_j).</summary>
    private static Matrix<double> Dense(Func<Tensor, Tensor> map, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var basis = torch.eye(n, dtype: ScalarType.Float64).reshape([n, .. shape.Skip(1)]);
        var columns = map(basis).flatten(1);                    // [n, m]: row j is map(e_j)
        return GeometryTestModels.ToMatrix(columns).Transpose();
    }

    [Theory]
    [InlineData(2, 3, 7, 3, 2, 1)]    // stride 2 on an odd size: conv_transpose2d needs output padding
    [InlineData(1, 2, 6, 3, 1, 0)]    // no padding
    [InlineData(3, 2, 5, 2, 1, 1)]    // even kernel, padding 1
    public void ConvolutionNorm_IsTheLargestSingularValueOfItsDenseMatrix(int inChannels, int outChannels, int size, int kernel, int stride, int padding)
    {
        torch.manual_seed(81 + size);
        using var conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding);
        conv.to(ScalarType.Float64);
        long[] shape = [1, inChannels, size, size];
        var dense = Dense(u => nn.functional.conv2d(u, conv.weight!, null, [stride, stride], [padding, padding]), shape);
        double exact = dense.Svd(computeVectors: false).S[0];
        double power = OperatorNorm.OfConv2d(conv, shape, seed: 3);
        Assert.True(Math.Abs(power - exact) <= 1e-6 * exact, $"power iteration {power}, dense SVD {exact}");
    }

    [Fact]
    public void LinearAndPoolingNorms_AreTheLargestSingularValues()
    {
        torch.manual_seed(84);
        using var linear = nn.Linear(20, 7);
        linear.to(ScalarType.Float64);
        double exact = GeometryTestModels.ToMatrix(linear.weight!).Svd(computeVectors: false).S[0];
        Assert.True(Math.Abs(OperatorNorm.OfLinear(linear) - exact) <= 1e-6 * exact);

        using var pool = nn.AvgPool2d(3, 2, ceil_mode: true);
        long[] shape = [1, 2, 7, 7];
        double poolExact = Dense(pool.forward, shape).Svd(computeVectors: false).S[0];
        Assert.True(Math.Abs(OperatorNorm.OfLinearModule(pool.forward, shape, ScalarType.Float64) - poolExact) <= 1e-6 * poolExact);
    }

    [Fact]
    public void LipschitzBound_IsTheProductOfItsFactors_AndBoundsEveryMeasuredSlope()
    {
        using var model = TestModels.HeInit(TestModels.ReluCnn(85), 85);   // conv, act, maxpool 2, conv, act, maxpool 3/2 ceil, avgpool, linear, act, linear
        var layers = LipschitzBound.Layers(model);
        double bound = LipschitzBound.Compute(model);
        Assert.Equal(layers.Aggregate(1.0, (a, l) => a * l.Constant), bound, 10);
        Assert.Equal(1 / 0.35, layers[0].Constant, 10);                                       // normalisation
        Assert.Equal(1.0, layers.Single(l => l.Name == "2").Constant, 12);                    // max-pool 2/2: windows do not overlap
        Assert.Equal(2.0, layers.Single(l => l.Name == "5").Constant, 12);                    // max-pool 3/2: each input in up to 2x2 windows
        var conv = (Conv2d)((Sequential)model.Network).named_children().Single(c => c.name == "0").module;
        double convExact = Dense(u => nn.functional.conv2d(u, conv.weight!, null, [1, 1], [1, 1]), [1, 1, TestModels.Size, TestModels.Size]).Svd(computeVectors: false).S[0];
        Assert.True(Math.Abs(layers.Single(l => l.Name == "0").Constant - convExact) <= 1e-6 * convExact);

        // No measured slope may exceed the bound: gradient norms of every class score (ReLU and softplus) and difference quotients.
        using var x = TestModels.Inputs(16, 86);
        double largest = 0;
        foreach (var mode in new[] { ActivationMode.Relu, ActivationMode.Softplus })
        {
            model.SetActivation(mode, 3.0);
            for (int c = 0; c < 3; c++)
            {
                using var target = torch.full(16, c, dtype: ScalarType.Int64);
                using var g = Gradients.OfClassScore(model, x, target, createGraph: false);
                largest = Math.Max(largest, g.flatten(1).norm(1).max().item<double>());
            }
        }
        model.SetActivation(ActivationMode.Relu);
        using var y = TestModels.Inputs(16, 87);
        using (torch.no_grad())
        {
            using var quotient = (model.forward(x) - model.forward(y)).norm(1) / (x - y).flatten(1).norm(1);
            largest = Math.Max(largest, quotient.max().item<double>());
        }
        Assert.True(largest > 0 && largest <= bound, $"largest measured slope {largest}, bound {bound}");
    }

    [Fact]
    public void GradientNormAscent_FindsTheConstantNormOfALinearModel_AndNeverLessThanTheClean()
    {
        using var linear = TestModels.LinearCnn(88);
        using var x = TestModels.Inputs(3, 89);
        using var target = TestModels.Predicted(linear, x);
        var settings = new AttackSettings { Epsilon = 8, Iterations = 3, Step = 2 };
        var (clean, largest) = GradientNormAscent.Run(linear, x, target, settings);
        for (int i = 0; i < 3; i++) Assert.Equal(clean[i], largest[i], 9);     // no curvature: the same norm everywhere

        using var smooth = TestModels.HeInit(TestModels.SmoothCnn(90), 90);
        using var t2 = TestModels.Predicted(smooth, x);
        var (c2, l2) = GradientNormAscent.Run(smooth, x, t2, settings);
        for (int i = 0; i < 3; i++) Assert.True(l2[i] > c2[i], $"image {i}: ascent found {l2[i]}, clean {c2[i]}");
    }
}
