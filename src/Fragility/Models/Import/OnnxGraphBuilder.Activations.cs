using Fragility.Models.Import.Onnx;
using TorchSharp;
using static Fragility.Models.Import.OnnxAttributes;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>Activations and elementwise math. Relu becomes a <see cref="SwitchableActivation"/>, the other
/// piecewise-linear activations an <see cref="OnnxPiecewiseLinear"/> (both switch to their smooth twins with
/// <see cref="Classifier.SetActivation"/>); smooth operators (Sigmoid, Tanh, Erf, Softplus, Softmax...) stay as they
/// are.</summary>
internal sealed partial class OnnxGraphBuilder
{
    /// <summary>Operators whose smooth twin the softplus switch computes.</summary>
    public static readonly string[] Twinned = ["Relu", "LeakyRelu", "PRelu", "Clip", "HardSigmoid", "HardSwish"];

    private static readonly Dictionary<string, Func<Tensor, Tensor>> SmoothUnary = new()
    {
        ["Sigmoid"] = x => x.sigmoid(), ["Tanh"] = x => x.tanh(), ["Erf"] = x => x.erf(), ["Sqrt"] = x => x.sqrt(),
        ["Exp"] = x => x.exp(), ["Log"] = x => x.log(), ["Neg"] = x => x.neg(), ["Abs"] = x => x.abs(),
        ["Reciprocal"] = x => x.reciprocal(), ["Softplus"] = x => nn.functional.softplus(x),
    };

    private bool TranslateActivation(NodeProto node, string name)
    {
        string op = node.OpType;
        switch (op)
        {
            case "Relu":
                AddUnary(node, name, Dynamic(node, 0, "input"), new SwitchableActivation(name));
                return true;
            case "LeakyRelu":
                AddUnary(node, name, Dynamic(node, 0, "input"), new OnnxPiecewiseLinear(name, OnnxPiecewiseKind.LeakyRelu, alpha: Float(node, "alpha", 0.01f)));
                return true;
            case "HardSigmoid":
                AddUnary(node, name, Dynamic(node, 0, "input"),
                    new OnnxPiecewiseLinear(name, OnnxPiecewiseKind.HardSigmoid, alpha: Float(node, "alpha", 0.2f), beta: Float(node, "beta", 0.5f)));
                return true;
            case "HardSwish":
                AddUnary(node, name, Dynamic(node, 0, "input"), new OnnxPiecewiseLinear(name, OnnxPiecewiseKind.HardSwish));
                return true;
            case "PRelu":
            {
                var x = Dynamic(node, 0, "input");
                AddUnary(node, name, x, new OnnxPiecewiseLinear(name, OnnxPiecewiseKind.PRelu, prelu: Weight(node, 1, "slope")));
                return true;
            }
            case "Clip":
                Clip(node, name);
                return true;
            case "Softmax":
            {
                long axis = Int(node, "axis", _opset >= 13 ? -1 : 1);
                General(node, name, [Required(node, 0)], a => Softmax(a[0], axis, _opset));
                return true;
            }
            case "Add": General(node, name, All(node), a => a[0] + a[1], linearity: OnnxLinearity.Affine, anySlot: true); return true;
            case "Sub": General(node, name, All(node), a => a[0] - a[1], linearity: OnnxLinearity.Affine, anySlot: true); return true;
            case "Mul": General(node, name, All(node), a => a[0] * a[1], linearity: OnnxLinearity.Affine, anySlot: true); return true;
            case "Div": General(node, name, All(node), a => a[0] / a[1], linearity: OnnxLinearity.Affine); return true;
            case "Pow": General(node, name, All(node), a => a[0].pow(a[1])); return true;
            case "Where":
                if (In(node, 0) is { IsDynamic: true }) throw Unsupported(node, "selects by a condition computed from the image (not differentiable)");
                General(node, name, All(node), a => torch.where(a[0].to(ScalarType.Bool), a[1], a[2]));
                return true;
            case "Cast":
            {
                var x = Dynamic(node, 0, "input");
                if (OnnxTensors.Element(Int(node, "to", 1)) != OnnxElement.Float)
                    throw Unsupported(node, "casts values computed from the image to integers (not differentiable)");
                _alias[node.Output[0]] = x.Name;
                return true;
            }
        }
        if (SmoothUnary.TryGetValue(op, out var f))
        {
            General(node, name, [Required(node, 0)], a => f(a[0]));
            return true;
        }
        return false;
    }

    private void Clip(NodeProto node, string name)
    {
        double lo = In(node, 1) is null ? double.NegativeInfinity : Scalar(node, Config(node, 1, "min"));
        double hi = In(node, 2) is null ? double.PositiveInfinity : Scalar(node, Config(node, 2, "max"));
        if (lo > hi) throw Unsupported(node, $"has min {lo} above max {hi}");
        AddUnary(node, name, Dynamic(node, 0, "input"), new OnnxPiecewiseLinear(name, OnnxPiecewiseKind.Clip, lo: lo, hi: hi));
    }

    private static Tensor FlattenAt(Tensor x, long axis)
    {
        long a = axis < 0 ? axis + x.dim() : axis;
        long outer = x.shape.Take((int)a).Aggregate(1L, (p, d) => p * d);
        return x.reshape(outer, -1);
    }

    private static Tensor Softmax(Tensor x, long axis, int opset)
    {
        if (opset >= 13) return x.softmax(axis);
        // Before opset 13 Softmax coerces the input to 2-D at axis and normalises over everything after it.
        using var flat = FlattenAt(x, axis);
        using var s = flat.softmax(1);
        return s.reshape(x.shape);
    }
}
