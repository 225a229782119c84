using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>
/// A linear classification head on features phi (the input of a network's last linear layer): logistic
/// regression for two classes (one logit z = w.phi + b, P(label 1) = sigmoid(z)) and multinomial logistic
/// (softmax) regression for more (logits z_k = w_k.phi + b_k). Its loss is the cross-entropy
/// L(z) = -log P(y | phi).
/// </summary>
/// <remarks>
/// The parameter vector theta holds <see cref="Outputs"/> blocks of <see cref="FeatureDimension"/> + 1 values,
/// [w_k (d values), b_k], block k for logit k; so theta has <see cref="ParameterCount"/> = Outputs * (d + 1)
/// entries. The per-example gradient is grad_theta L = r (outer) [phi, 1] with residual r = p - y
/// (binary: the scalar sigmoid(z) - y; softmax: the vector softmax(z) - onehot(y)).
/// </remarks>
public sealed class LinearHead
{
    private readonly double[] _theta;

    /// <summary>Creates a head.</summary>
    /// <param name="classes">Number of classes, at least 2; 2 gives logistic regression, more a softmax head.</param>
    /// <param name="featureDimension">Length d of the feature vector phi.</param>
    /// <param name="parameters">theta in the layout described on the class (zeros when null).</param>
    public LinearHead(int classes, int featureDimension, IEnumerable<double>? parameters = null)
    {
        if (classes < 2) throw new FragilityException($"A head needs at least 2 classes, got {classes}: pick two or more classes.");
        if (featureDimension < 1) throw new ArgumentOutOfRangeException(nameof(featureDimension), featureDimension, "must be positive");
        Classes = classes;
        FeatureDimension = featureDimension;
        _theta = parameters?.ToArray() ?? new double[ParameterCount];
        if (_theta.Length != ParameterCount)
            throw new ArgumentException($"expected {ParameterCount} parameters ({Outputs} x ({featureDimension} + 1)), got {_theta.Length}", nameof(parameters));
    }

    /// <summary>Number of classes (labels are 0 .. Classes - 1; for two classes label 1 is the second class).</summary>
    public int Classes { get; }

    /// <summary>Length d of the feature vector.</summary>
    public int FeatureDimension { get; }

    /// <summary>Number of logits: 1 for two classes (logistic regression), else <see cref="Classes"/>.</summary>
    public int Outputs => Classes == 2 ? 1 : Classes;

    /// <summary>Length of theta: Outputs * (FeatureDimension + 1).</summary>
    public int ParameterCount => Outputs * (FeatureDimension + 1);

    /// <summary>A copy of theta.</summary>
    public Vector<double> Parameters => Vector<double>.Build.DenseOfArray((double[])_theta.Clone());

    /// <summary>Read-only view of theta.</summary>
    internal ReadOnlySpan<double> Theta => _theta;

    /// <summary>The logits z (length <see cref="Outputs"/>) of one feature vector.</summary>
    public double[] Logits(ReadOnlySpan<double> phi)
    {
        CheckLength(phi);
        int d = FeatureDimension;
        var z = new double[Outputs];
        for (int k = 0; k < z.Length; k++)
        {
            var w = _theta.AsSpan(k * (d + 1), d + 1);
            double s = w[d];
            for (int j = 0; j < d; j++) s += w[j] * phi[j];
            z[k] = s;
        }
        return z;
    }

    /// <summary>Class probabilities (length <see cref="Classes"/>, summing to 1) of one feature vector.</summary>
    public double[] Probabilities(ReadOnlySpan<double> phi) => ProbabilitiesOfLogits(Logits(phi), Classes);

    /// <summary>The predicted label (most probable class; ties to the lower index).</summary>
    public int Predict(ReadOnlySpan<double> phi)
    {
        var p = Probabilities(phi);
        int best = 0;
        for (int k = 1; k < p.Length; k++) if (p[k] > p[best]) best = k;
        return best;
    }

    /// <summary>Predicted labels of the rows of <paramref name="features"/> (n x d).</summary>
    public int[] Predict(Matrix<double> features)
    {
        var labels = new int[features.RowCount];
        var row = new double[features.ColumnCount];
        for (int i = 0; i < labels.Length; i++)
        {
            features.Row(i).CopyTo(Vector<double>.Build.Dense(row));
            labels[i] = Predict(row);
        }
        return labels;
    }

    /// <summary>Share of rows of <paramref name="features"/> whose prediction equals <paramref name="labels"/>, in [0, 1].</summary>
    public double Accuracy(Matrix<double> features, IReadOnlyList<int> labels)
    {
        if (labels.Count == 0) return double.NaN;
        var predicted = Predict(features);
        return predicted.Where((p, i) => p == labels[i]).Count() / (double)labels.Count;
    }

    /// <summary>Cross-entropy loss -log P(label | phi) of one example, computed stably.</summary>
    public double Loss(ReadOnlySpan<double> phi, int label)
    {
        CheckLabel(label);
        return LossOfLogits(Logits(phi), label, Classes);
    }

    /// <summary>grad_theta L(phi, label) = r (outer) [phi, 1] (see the class remarks).</summary>
    public Vector<double> LossGradient(ReadOnlySpan<double> phi, int label)
    {
        CheckLabel(label);
        var r = ResidualOfLogits(Logits(phi), label, Classes);
        int d = FeatureDimension;
        var g = new double[ParameterCount];
        for (int k = 0; k < r.Length; k++)
        {
            int o = k * (d + 1);
            for (int j = 0; j < d; j++) g[o + j] = r[k] * phi[j];
            g[o + d] = r[k];
        }
        return Vector<double>.Build.DenseOfArray(g);
    }

    /// <summary>
    /// Differentiable per-example loss gradients: for features <paramref name="phi"/> [B, d] (any floating type; computed
    /// in float64) and labels [B], returns grad_theta L [B, ParameterCount] in float64, as a function of phi
    /// (theta fixed). Used to differentiate influence with respect to the input.
    /// </summary>
    public Tensor LossGradient(Tensor phi, IReadOnlyList<int> labels)
    {
        using var scope = torch.NewDisposeScope();
        var (aug, r) = AugmentedAndResidual(phi, labels);
        // [B, Outputs, 1] * [B, 1, d + 1] -> [B, Outputs * (d + 1)], block k = r_k [phi, 1].
        var g = (r.unsqueeze(2) * aug.unsqueeze(1)).reshape(phi.shape[0], ParameterCount);
        return g.MoveToOuterDisposeScope();
    }

    /// <summary>Differentiable per-example cross-entropy [B] (float64) of features <paramref name="phi"/> [B, d].</summary>
    public Tensor Loss(Tensor phi, IReadOnlyList<int> labels)
    {
        using var scope = torch.NewDisposeScope();
        var z = LogitsTensor(phi);
        var y = torch.tensor(labels.Select(l => (long)l).ToArray(), dtype: ScalarType.Int64);
        Tensor loss = Outputs == 1
            ? nn.functional.binary_cross_entropy_with_logits(z.squeeze(1), y.to(ScalarType.Float64), reduction: nn.Reduction.None)
            : nn.functional.cross_entropy(z, y, reduction: nn.Reduction.None);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Differentiable logits [B, Outputs] (float64) of features [B, d].</summary>
    public Tensor LogitsTensor(Tensor phi)
    {
        if (phi.dim() != 2 || phi.shape[1] != FeatureDimension)
            throw new ArgumentException($"features must be [B, {FeatureDimension}], got [{string.Join(",", phi.shape)}]", nameof(phi));
        using var scope = torch.NewDisposeScope();
        var theta = torch.tensor(_theta, new long[] { Outputs, FeatureDimension + 1 }, dtype: ScalarType.Float64);
        var x = phi.to(ScalarType.Float64);
        var z = x.matmul(theta[.., ..FeatureDimension].t()) + theta[.., FeatureDimension];
        return z.MoveToOuterDisposeScope();
    }

    private (Tensor Augmented, Tensor Residual) AugmentedAndResidual(Tensor phi, IReadOnlyList<int> labels)
    {
        if (labels.Count != phi.shape[0]) throw new ArgumentException($"{phi.shape[0]} feature rows but {labels.Count} labels", nameof(labels));
        foreach (var l in labels) CheckLabel(l);
        var z = LogitsTensor(phi);
        var x = phi.to(ScalarType.Float64);
        var aug = torch.cat([x, torch.ones(x.shape[0], 1, dtype: ScalarType.Float64)], 1);
        var y = torch.tensor(labels.Select(l => (long)l).ToArray(), dtype: ScalarType.Int64);
        Tensor r = Outputs == 1
            ? torch.sigmoid(z) - y.to(ScalarType.Float64).unsqueeze(1)
            : torch.softmax(z, 1) - nn.functional.one_hot(y, Classes).to(ScalarType.Float64);
        return (aug, r);
    }

    /// <summary>Class probabilities from logits (binary: [1 - sigmoid(z), sigmoid(z)]).</summary>
    internal static double[] ProbabilitiesOfLogits(double[] z, int classes)
    {
        if (classes == 2)
        {
            double p1 = Sigmoid(z[0]);
            return [1 - p1, p1];
        }
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>Residual r = p - y: binary sigmoid(z) - y (length 1), softmax p - onehot(y).</summary>
    internal static double[] ResidualOfLogits(double[] z, int label, int classes)
    {
        if (classes == 2) return [Sigmoid(z[0]) - label];
        var p = ProbabilitiesOfLogits(z, classes);
        p[label] -= 1;
        return p;
    }

    /// <summary>Cross-entropy of logits, stable for large |z|.</summary>
    internal static double LossOfLogits(double[] z, int label, int classes)
    {
        // log(1 + e^z) - y z, written as softplus(-z) for y = 1 so that confident points do not cancel two numbers of size z.
        if (classes == 2) return Softplus(label == 1 ? -z[0] : z[0]);
        double max = z.Max();
        double lse = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
        return lse - z[label];
    }

    /// <summary>1 / (1 + e^-z) without overflow.</summary>
    internal static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>log(1 + e^z) without overflow.</summary>
    internal static double Softplus(double z) => z > 0 ? z + Log1P(Math.Exp(-z)) : Log1P(Math.Exp(z));

    /// <summary>log(1 + x), accurate for tiny x (Goldberg 1991); Math.Log(1 + x) loses every digit below 1e-16.</summary>
    internal static double Log1P(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    private void CheckLength(ReadOnlySpan<double> phi)
    {
        if (phi.Length != FeatureDimension) throw new ArgumentException($"expected {FeatureDimension} features, got {phi.Length}", nameof(phi));
    }

    private void CheckLabel(int label)
    {
        if (label < 0 || label >= Classes) throw new ArgumentOutOfRangeException(nameof(label), label, $"labels are 0 .. {Classes - 1}");
    }
}
