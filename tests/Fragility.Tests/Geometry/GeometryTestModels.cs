using Fragility.Models;
using Fragility.Tests.Attribution;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Tests.Geometry;

/// <summary>Tiny float64 networks whose input Hessian is known in closed form.</summary>
internal static class GeometryTestModels
{
    public const int Side = 6;
    public const int Dimension = Side * Side;
    public const double Mean = 0.3, Std = 0.5;

    /// <summary>flatten - linear(36, hidden) - softplus(beta) - linear(hidden, 3), normalisation (x - 0.3) / 0.5, float64,
    /// He-scaled weights so that curvature is of order one.</summary>
    public static Classifier Mlp(int seed, int hidden = 12, double beta = 2.0)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(Dimension, hidden)), ("2", new SwitchableActivation()), ("3", nn.Linear(hidden, 3)));
        var model = TestModels.Wrap(net, 1, Side, Side, 3, Mean, Std);
        TestModels.HeInit(model, seed);
        model.SetActivation(ActivationMode.Softplus, beta);
        return model;
    }

    /// <summary>The exact input Hessian of score_y of <see cref="Mlp"/> at x (one image, flattened):
    /// <c>(1/s^2) W1^T diag(W2[y] * softplus_beta''(u)) W1</c>, u = W1 z + b1, z = (x - m)/s, softplus_beta''(u) = beta sig(beta u)(1 - sig(beta u)).</summary>
    public static Matrix<double> ExactHessian(Classifier model, double[] x, int y, double beta)
    {
        var linear1 = (Linear)((Sequential)model.Network).named_children().Single(c => c.name == "1").module;
        var linear2 = (Linear)((Sequential)model.Network).named_children().Single(c => c.name == "3").module;
        var w1 = ToMatrix(linear1.weight!);
        var b1 = linear1.bias!.data<double>().ToArray();
        var w2 = ToMatrix(linear2.weight!);
        // The model's normalisation holds its mean as float32 (0.3f), which moves u by ~1e-8: use the same constant.
        var z = Vector<double>.Build.DenseOfEnumerable(x.Select(v => (v - (double)(float)Mean) / Std));
        var u = w1 * z + Vector<double>.Build.DenseOfArray(b1);
        var d = Vector<double>.Build.Dense(u.Count, j =>
        {
            double s = 1 / (1 + Math.Exp(-beta * u[j]));
            return w2[y, j] * beta * s * (1 - s);
        });
        return w1.TransposeThisAndMultiply(Matrix<double>.Build.DenseOfDiagonalVector(d)) * w1 / (Std * Std);
    }

    /// <summary>The exact input gradient of score_y of <see cref="Mlp"/> at x (one image, flattened):
    /// <c>(1/s) W1^T (W2[y] * sig(beta u))</c>, softplus_beta'(u) = sig(beta u).</summary>
    public static Vector<double> ExactGradient(Classifier model, double[] x, int y, double beta)
    {
        var linear1 = (Linear)((Sequential)model.Network).named_children().Single(c => c.name == "1").module;
        var linear2 = (Linear)((Sequential)model.Network).named_children().Single(c => c.name == "3").module;
        var w1 = ToMatrix(linear1.weight!);
        var w2 = ToMatrix(linear2.weight!);
        var z = Vector<double>.Build.DenseOfEnumerable(x.Select(v => (v - (double)(float)Mean) / Std));
        var u = w1 * z + Vector<double>.Build.DenseOfArray(linear1.bias!.data<double>().ToArray());
        var d = Vector<double>.Build.Dense(u.Count, j => w2[y, j] / (1 + Math.Exp(-beta * u[j])));
        return w1.TransposeThisAndMultiply(d) / Std;
    }

    public static Matrix<double> ToMatrix(Tensor t)
    {
        var values = t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        int rows = (int)t.shape[0], cols = (int)(t.numel() / t.shape[0]);
        return Matrix<double>.Build.Dense(rows, cols, (i, j) => values[i * cols + j]);
    }
}
