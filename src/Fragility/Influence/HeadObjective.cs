using MathNet.Numerics.LinearAlgebra;

namespace Fragility.Influence;

/// <summary>
/// The regularised training objective of a <see cref="LinearHead"/> on fixed features, in float64:
/// <c>F(theta) = (1/n) sum_i c_i L(z_i; theta) + (lambda/2) ||W||^2</c>, where n is the number of rows, c_i the
/// example weights (1 by default; 0 removes a point while keeping the 1/n normaliser, the exact quantity that
/// influence functions linearise), and ||W||^2 the squared weights without the biases (biases are not regularised).
/// </summary>
/// <remarks>
/// Exact Hessian: <c>H = (1/n) sum_i c_i A_i (kron) phi~_i phi~_i^T + lambda R</c>, with phi~ = [phi, 1],
/// A_i = p_i (1 - p_i) for logistic regression and diag(p_i) - p_i p_i^T for softmax, and R the diagonal mask
/// of the weights. A softmax head's objective is flat along <see cref="NullDirection"/> (all biases moved together),
/// so its H is singular there; every loss gradient is orthogonal to that direction, and the solvers invert H on
/// its orthogonal complement (they use H + u u^T, whose inverse acts the same on those vectors).
/// </remarks>
public sealed class HeadObjective
{
    private readonly double[] _aug;   // n x (d + 1), row-major, last column 1
    private readonly int[] _labels;
    private readonly double[] _weights;

    /// <summary>Creates the objective.</summary>
    /// <param name="features">Training features, one row per example (n x d).</param>
    /// <param name="labels">Labels 0 .. classes - 1, one per row.</param>
    /// <param name="classes">Number of classes (2: logistic regression; more: softmax).</param>
    /// <param name="l2">lambda, the L2 strength on the weights (not the biases); must be positive.</param>
    /// <param name="weights">Example weights c_i (default all 1); the normaliser stays 1/n.</param>
    public HeadObjective(Matrix<double> features, IReadOnlyList<int> labels, int classes, double l2, IReadOnlyList<double>? weights = null)
        : this(Augment(features), features.RowCount, features.ColumnCount, labels, classes, l2, weights)
    {
    }

    private HeadObjective(double[] aug, int n, int d, IReadOnlyList<int> labels, int classes, double l2, IReadOnlyList<double>? weights)
    {
        if (n < 1) throw new FragilityException("The head needs at least one training example: select more training images.");
        if (labels.Count != n) throw new ArgumentException($"{n} feature rows but {labels.Count} labels", nameof(labels));
        if (!(l2 > 0) || !double.IsFinite(l2))
            throw new FragilityException($"The L2 strength lambda must be a positive number, got {l2}: without it the Hessian can be singular (separable features have no minimiser). Use e.g. --l2 0.1.");
        if (classes < 2) throw new FragilityException($"A head needs at least 2 classes, got {classes}.");
        if (labels.Any(l => l < 0 || l >= classes)) throw new ArgumentException($"labels must be in 0 .. {classes - 1}", nameof(labels));
        if (aug.Any(v => !double.IsFinite(v))) throw new FragilityException("The features contain NaN or infinite values: the network's weights are damaged; re-train or re-import the model.");
        _aug = aug;
        Count = n;
        FeatureDimension = d;
        Classes = classes;
        L2 = l2;
        _labels = labels.ToArray();
        _weights = weights?.ToArray() ?? Enumerable.Repeat(1.0, n).ToArray();
        if (_weights.Length != n) throw new ArgumentException($"{n} rows but {_weights.Length} weights", nameof(weights));
        if (_weights.Any(w => !(w >= 0) || !double.IsFinite(w))) throw new ArgumentException("weights must be finite and non-negative", nameof(weights));
        if (Outputs > 1)
        {
            var u = new double[ParameterCount];
            for (int k = 0; k < Outputs; k++) u[k * (d + 1) + d] = 1 / Math.Sqrt(Outputs);
            NullDirection = Vector<double>.Build.DenseOfArray(u);
        }
    }

    /// <summary>Number of training examples n (rows, including any with weight 0).</summary>
    public int Count { get; }

    /// <summary>Feature length d.</summary>
    public int FeatureDimension { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Number of logits (1 for two classes).</summary>
    public int Outputs => Classes == 2 ? 1 : Classes;

    /// <summary>Length of theta, Outputs * (d + 1).</summary>
    public int ParameterCount => Outputs * (FeatureDimension + 1);

    /// <summary>lambda, the L2 strength on the weights.</summary>
    public double L2 { get; }

    /// <summary>Training labels.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>Example weights c_i.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>Unit vector along which the objective is flat (softmax: all biases shifted together), or null (logistic regression).</summary>
    public Vector<double>? NullDirection { get; }

    /// <summary>Where the Hessian and Hessian-vector products are computed (default <see cref="HessianBackend.Auto"/>).</summary>
    public HessianBackend Backend { get; init; }

    /// <summary>The same objective with another lambda.</summary>
    public HeadObjective WithL2(double l2) => new(_aug, Count, FeatureDimension, _labels, Classes, l2, _weights) { Backend = Backend };

    /// <summary>The same objective with other example weights (e.g. 0 for a left-out point).</summary>
    public HeadObjective WithWeights(IReadOnlyList<double> weights) => new(_aug, Count, FeatureDimension, _labels, Classes, L2, weights) { Backend = Backend };

    /// <summary>The head with parameters <paramref name="theta"/>.</summary>
    public LinearHead Head(Vector<double> theta) => new(Classes, FeatureDimension, theta);

    /// <summary>Features of row <paramref name="i"/> (length d).</summary>
    public ReadOnlySpan<double> FeatureRow(int i) => _aug.AsSpan(i * (FeatureDimension + 1), FeatureDimension);

    /// <summary>F(theta).</summary>
    public double Value(Vector<double> theta)
    {
        CheckTheta(theta);
        var z = Logits(theta);
        double sum = 0;
        for (int i = 0; i < Count; i++)
            if (_weights[i] != 0) sum += _weights[i] * LinearHead.LossOfLogits(z[i], _labels[i], Classes);
        return sum / Count + 0.5 * L2 * RegularisedSquaredNorm(theta);
    }

    /// <summary>Per-example loss L(z_i; theta) (unweighted).</summary>
    public double ExampleLoss(Vector<double> theta, int i) => LinearHead.LossOfLogits(Logits(theta, i), _labels[i], Classes);

    /// <summary>grad F(theta) = (1/n) sum_i c_i r_i (kron) phi~_i + lambda R theta.</summary>
    public Vector<double> Gradient(Vector<double> theta)
    {
        var r = Residuals(theta);
        var w = new double[Count];
        for (int i = 0; i < Count; i++) w[i] = _weights[i] / Count;
        var g = TransposeTimes(r, w);
        AddRegularisation(g, theta, 1.0);
        return g;
    }

    /// <summary>Residuals r_i = p_i - y_i (n x Outputs, unweighted) at theta.</summary>
    public double[][] Residuals(Vector<double> theta)
    {
        var z = Logits(theta);
        var r = new double[Count][];
        for (int i = 0; i < Count; i++) r[i] = LinearHead.ResidualOfLogits(z[i], _labels[i], Classes);
        return r;
    }

    /// <summary>grad_theta L(z_i) (unweighted) at theta.</summary>
    public Vector<double> ExampleGradient(Vector<double> theta, int i)
    {
        var r = LinearHead.ResidualOfLogits(Logits(theta, i), _labels[i], Classes);
        int d1 = FeatureDimension + 1;
        var g = new double[ParameterCount];
        var row = _aug.AsSpan(i * d1, d1);
        for (int k = 0; k < Outputs; k++)
            for (int j = 0; j < d1; j++) g[k * d1 + j] = r[k] * row[j];
        return Vector<double>.Build.DenseOfArray(g);
    }

    /// <summary>(G s)_i = grad_theta L(z_i) . s for every row, where G stacks the per-example gradients given by <paramref name="residuals"/>.</summary>
    public double[] GradientsTimes(double[][] residuals, Vector<double> s)
    {
        CheckTheta(s);
        int d1 = FeatureDimension + 1;
        var sa = s.AsArray() ?? s.ToArray();
        var result = new double[Count];
        for (int i = 0; i < Count; i++)
        {
            var row = _aug.AsSpan(i * d1, d1);
            double total = 0;
            for (int k = 0; k < Outputs; k++)
            {
                if (residuals[i][k] == 0) continue;
                var sk = sa.AsSpan(k * d1, d1);
                double dot = 0;
                for (int j = 0; j < d1; j++) dot += row[j] * sk[j];
                total += residuals[i][k] * dot;
            }
            result[i] = total;
        }
        return result;
    }

    /// <summary>G^T w = sum_i w_i grad_theta L(z_i), with G given by <paramref name="residuals"/>.</summary>
    public Vector<double> TransposeTimes(double[][] residuals, IReadOnlyList<double> w)
    {
        int d1 = FeatureDimension + 1;
        var g = new double[ParameterCount];
        for (int i = 0; i < Count; i++)
        {
            if (w[i] == 0) continue;
            var row = _aug.AsSpan(i * d1, d1);
            for (int k = 0; k < Outputs; k++)
            {
                double c = w[i] * residuals[i][k];
                if (c == 0) continue;
                var gk = g.AsSpan(k * d1, d1);
                for (int j = 0; j < d1; j++) gk[j] += c * row[j];
            }
        }
        return Vector<double>.Build.DenseOfArray(g);
    }

    /// <summary>The exact Hessian H of F at theta (ParameterCount x ParameterCount), see the class remarks.</summary>
    public Matrix<double> Hessian(Vector<double> theta)
    {
        CheckTheta(theta);
        using var op = new HessianOperator(this, Probabilities(theta));
        return op.Dense();
    }

    /// <summary>H v at theta, without forming H.</summary>
    public Vector<double> HessianVectorProduct(Vector<double> theta, Vector<double> v)
    {
        CheckTheta(v);
        using var op = new HessianOperator(this, Probabilities(theta));
        return op.Apply(v);
    }

    /// <summary>Augmented features [phi, 1] row-major (n x (d + 1)).</summary>
    internal double[] AugmentedRows => _aug;

    /// <summary>Class probabilities per row (n x Outputs; binary: sigmoid(z) only) at theta, for repeated Hessian-vector products.</summary>
    internal double[][] Probabilities(Vector<double> theta)
    {
        var z = Logits(theta);
        var p = new double[Count][];
        for (int i = 0; i < Count; i++)
            p[i] = Outputs == 1 ? [LinearHead.Sigmoid(z[i][0])] : LinearHead.ProbabilitiesOfLogits(z[i], Classes);
        return p;
    }

    private double[][] Logits(Vector<double> theta)
    {
        CheckTheta(theta);
        var ta = theta.AsArray() ?? theta.ToArray();
        var z = new double[Count][];
        for (int i = 0; i < Count; i++) z[i] = Logits(ta, i);
        return z;
    }

    private double[] Logits(Vector<double> theta, int i) => Logits(theta.AsArray() ?? theta.ToArray(), i);

    private double[] Logits(double[] theta, int i)
    {
        int d1 = FeatureDimension + 1;
        var row = _aug.AsSpan(i * d1, d1);
        var z = new double[Outputs];
        for (int k = 0; k < Outputs; k++)
        {
            var w = theta.AsSpan(k * d1, d1);
            double s = 0;
            for (int j = 0; j < d1; j++) s += w[j] * row[j];
            z[k] = s;
        }
        return z;
    }

    private double RegularisedSquaredNorm(Vector<double> theta)
    {
        int d1 = FeatureDimension + 1;
        double s = 0;
        for (int k = 0; k < Outputs; k++)
            for (int j = 0; j < FeatureDimension; j++) s += theta[k * d1 + j] * theta[k * d1 + j];
        return s;
    }

    private void AddRegularisation(Vector<double> into, Vector<double> v, double factor)
    {
        int d1 = FeatureDimension + 1;
        for (int k = 0; k < Outputs; k++)
            for (int j = 0; j < FeatureDimension; j++) into[k * d1 + j] += factor * L2 * v[k * d1 + j];
    }

    private void CheckTheta(Vector<double> theta)
    {
        if (theta.Count != ParameterCount) throw new ArgumentException($"expected {ParameterCount} parameters, got {theta.Count}", nameof(theta));
    }

    private static double[] Augment(Matrix<double> features)
    {
        int n = features.RowCount, d = features.ColumnCount;
        var aug = new double[n * (d + 1)];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) aug[i * (d + 1) + j] = features[i, j];
            aug[i * (d + 1) + d] = 1;
        }
        return aug;
    }
}
