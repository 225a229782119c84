using Fragility.Data;
using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Attribution;
using Fragility.Training;
using Fragility.Training.Regularisers;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Defences;

public class SpectralNormProjectionTests : OneTorchThread
{
    /// <summary>The layer's linear part as an explicit matrix (one column per input basis vector), float64.</summary>
    private static Matrix<double> Explicit(AffineLayer layer)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long inputs = layer.InputShape.Aggregate(1L, (a, b) => a * b);
        var dtype = layer.Module.parameters().First().dtype;
        var basis = torch.eye(inputs, dtype: dtype).reshape([inputs, .. layer.InputShape.Skip(1)]);
        var zero = layer.Module.forward(torch.zeros(layer.InputShape, dtype: dtype));
        var columns = (layer.Module.forward(basis) - zero).reshape(inputs, -1).to(ScalarType.Float64);   // row j = A e_j
        var values = columns.t().contiguous().data<double>().ToArray();
        long outputs = columns.shape[1];
        return Matrix<double>.Build.Dense((int)outputs, (int)inputs, (r, c) => values[r * inputs + c]);
    }

    /// <summary>Largest singular value of the explicit operator matrix (MathNet's SVD, independent of the library's
    /// power iteration and exact, so stronger than a second power iteration).</summary>
    private static double SpectralNorm(AffineLayer layer) => Explicit(layer).Svd(computeVectors: false).S[0];

    [Fact]
    public void Training_KeepsEveryLayersSpectralNormWithinTheBound_AndTheStateDictKeys()
    {
        // Float32, as the trainer runs.
        using var model = TestModels.HeInit(TestModels.ReluCnn(41), 42);
        model.to(ScalarType.Float32);
        var keys = model.Network.state_dict().Keys.ToArray();
        var layers = SpectralNormProjection.Layers(model);
        Assert.Equal(["0", "3", "8", "10"], layers.Select(l => l.Name).ToArray());
        Assert.Equal([1L, 4, 6, 6], layers[1].InputShape);
        const double bound = 0.8;
        var before = layers.Select(l => SpectralNorm(l)).ToArray();
        Assert.True(before.Count(s => s > bound * 1.2) >= 2, $"the check needs layers above the bound, got {string.Join(", ", before)}");

        using var x = TestModels.Inputs(24, 43).to(ScalarType.Float32);
        var labels = Enumerable.Range(0, 24).Select(i => (long)(i % 3)).ToArray();
        using var data = new ImageDataset("synthetic", x.clone(), labels, ["a", "b", "c"]);
        var projection = new SpectralNormProjection(bound);
        Trainer.Train(model, data, null, new TrainingOptions { Epochs = 2, BatchSize = 8, LearningRate = 0.02, Regulariser = projection });

        var after = SpectralNormProjection.Layers(model).Select(l => SpectralNorm(l)).ToArray();
        for (int i = 0; i < after.Length; i++)
            Assert.True(after[i] <= bound * (1 + 1e-3), $"layer {layers[i].Name}: spectral norm {after[i]} above the bound {bound}");
        // The layers that were above it sit on it (the projection scales to the bound, not below).
        Assert.Contains(after, s => Math.Abs(s - bound) < 1e-3 * bound);
        Assert.Equal(keys, model.Network.state_dict().Keys.ToArray());
    }

    [Fact]
    public void OperatorNorm_OfAStridedConvolution_MatchesTheExplicitMatrix()
    {
        torch.manual_seed(44);
        using var conv = nn.Conv2d(2, 3, 3, stride: 2, padding: 1);
        conv.to(ScalarType.Float64);
        var layer = new AffineLayer("conv", conv, [1, 2, 7, 7]);
        double exact = SpectralNorm(layer);
        var (sigma, vector) = SpectralNormProjection.OperatorNorm(conv, layer.InputShape, iterations: 5000, tolerance: 1e-13);
        using var _ = vector;
        Assert.True(Math.Abs(sigma - exact) < 1e-6 * exact, $"power iteration {sigma} vs SVD {exact}");
    }
}
