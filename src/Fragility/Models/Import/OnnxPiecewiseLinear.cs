using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>The piecewise-linear ONNX activations that have a smooth twin (besides Relu itself).</summary>
internal enum OnnxPiecewiseKind
{
    /// <summary>LeakyRelu(alpha).</summary>
    LeakyRelu,

    /// <summary>PRelu with a learned slope (per channel or broadcast).</summary>
    PRelu,

    /// <summary>Clip(lo, hi), e.g. ReLU6 = Clip(0, 6).</summary>
    Clip,

    /// <summary>HardSigmoid(alpha, beta) = clip(alpha x + beta, 0, 1).</summary>
    HardSigmoid,

    /// <summary>HardSwish = x HardSigmoid(1/6, 1/2)(x).</summary>
    HardSwish,
}

/// <summary>
/// A piecewise-linear ONNX activation written with a <see cref="SwitchableActivation"/> r, so that
/// <see cref="Classifier.SetActivation"/> switches it together with the ReLUs. While r is ReLU the module computes
/// the ONNX operator exactly (clamp, leaky_relu...). While r is softplus_beta it computes the smooth twin, the same
/// expression with every ReLU kink replaced by softplus_beta (sp below; sp(z) = log(1 + exp(beta z)) / beta):
/// <list type="bullet">
/// <item>LeakyRelu(a)(x) = a x + (1 - a) relu(x) becomes a x + (1 - a) sp(x);</item>
/// <item>PRelu(s)(x) = s x + (1 - s) relu(x) becomes s x + (1 - s) sp(x), per channel;</item>
/// <item>Clip(lo, hi)(x) = lo + relu(x - lo) - relu(x - hi) becomes lo + sp(x - lo) - sp(x - hi), so ReLU6 becomes
/// sp(x) - sp(x - 6); a one-sided clip keeps one term (lo + sp(x - lo), or hi - sp(hi - x));</item>
/// <item>HardSigmoid(alpha, beta)(x) = clip(z, 0, 1) with z = alpha x + beta becomes sp(z) - sp(z - 1);</item>
/// <item>HardSwish(x) = x HardSigmoid(1/6, 1/2)(x) becomes x (sp(z) - sp(z - 1)).</item>
/// </list>
/// Every twin tends to its operator as beta grows and has a non-zero second derivative, which the attacks need.
/// </summary>
internal sealed class OnnxPiecewiseLinear : nn.Module<Tensor, Tensor>
{
    private readonly SwitchableActivation activation;
    private readonly Parameter? slope;
    private readonly double _alpha, _beta, _lo, _hi;

    /// <summary>Creates the activation; <paramref name="alpha"/>/<paramref name="beta"/> are LeakyRelu's slope or
    /// HardSigmoid's coefficients, <paramref name="lo"/>/<paramref name="hi"/> Clip's bounds (infinite when absent),
    /// <paramref name="prelu"/> PRelu's slope (registered as the parameter "slope").</summary>
    public OnnxPiecewiseLinear(string name, OnnxPiecewiseKind kind, double alpha = 0, double beta = 0,
        double lo = double.NegativeInfinity, double hi = double.PositiveInfinity, Tensor? prelu = null) : base(name)
    {
        Kind = kind;
        (_alpha, _beta, _lo, _hi) = (alpha, beta, lo, hi);
        activation = new SwitchableActivation("activation");
        if (prelu is not null) slope = new Parameter(prelu.to(ScalarType.Float32).clone());
        RegisterComponents();
    }

    /// <summary>Which operator this is.</summary>
    public OnnxPiecewiseKind Kind { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        bool exact = activation.Mode == ActivationMode.Relu;
        using var scope = torch.NewDisposeScope();
        Tensor y = Kind switch
        {
            OnnxPiecewiseKind.LeakyRelu => exact ? nn.functional.leaky_relu(x, _alpha) : x * _alpha + activation.forward(x) * (1 - _alpha),
            OnnxPiecewiseKind.PRelu => PRelu(x, exact),
            OnnxPiecewiseKind.Clip => Clip(x, exact),
            OnnxPiecewiseKind.HardSigmoid => HardSigmoid(x, _alpha, _beta, exact),
            _ => x * HardSigmoid(x, 1.0 / 6, 0.5, exact),
        };
        return y.MoveToOuterDisposeScope();
    }

    private Tensor PRelu(Tensor x, bool exact)
    {
        var s = slope!.dtype == x.dtype ? slope : slope.to(x.dtype);
        return exact ? x.clamp_min(0) + s * x.clamp_max(0) : s * x + (1 - s) * activation.forward(x);
    }

    private Tensor Clip(Tensor x, bool exact)
    {
        bool low = double.IsFinite(_lo), high = double.IsFinite(_hi);
        if (exact)
            return low && high ? x.clamp(_lo, _hi) : low ? x.clamp_min(_lo) : high ? x.clamp_max(_hi) : x.alias();
        if (low && high) return activation.forward(x - _lo) - activation.forward(x - _hi) + _lo;
        if (low) return activation.forward(x - _lo) + _lo;
        if (high) return -activation.forward(-x + _hi) + _hi;
        return x.alias();
    }

    private Tensor HardSigmoid(Tensor x, double alpha, double beta, bool exact)
    {
        var z = x * alpha + beta;
        return exact ? z.clamp(0, 1) : activation.forward(z) - activation.forward(z - 1);
    }

    /// <inheritdoc />
    public override string ToString() => $"OnnxPiecewiseLinear({Kind})";
}
