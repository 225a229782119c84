using Fragility.Models.Import.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static Fragility.Models.Import.OnnxAttributes;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>Layers with weights or windows: Conv, pooling, BatchNormalization, LayerNormalization, Gemm, MatMul,
/// reductions. Shapes are checked by <see cref="OnnxShapeInference"/> before any of these is built.</summary>
internal sealed partial class OnnxGraphBuilder
{
    private bool TranslateLayer(NodeProto node, string name)
    {
        switch (node.OpType)
        {
            case "Conv": AddUnary(node, name, Dynamic(node, 0, "input"), Conv(node, name)); return true;
            case "MaxPool" or "AveragePool": AddUnary(node, name, Dynamic(node, 0, "input"), Pool(node, name, node.OpType == "MaxPool")); return true;
            case "GlobalAveragePool": AddUnary(node, name, Dynamic(node, 0, "input"), nn.AdaptiveAvgPool2d(1)); return true;
            case "BatchNormalization": AddUnary(node, name, Dynamic(node, 0, "input"), BatchNorm(node, name)); return true;
            case "LayerNormalization": LayerNorm(node, name); return true;
            case "Gemm": Gemm(node, name); return true;
            case "MatMul": MatMul(node, name); return true;
            case "ReduceMean" or "ReduceSum":
            {
                var x = Required(node, 0);
                int rank = _one[x.Name].Rank;
                long[] axes = OnnxShapeInference.ReduceAxes(node, _opset, rank, () => node.Input.Count > 1 && node.Input[1].Length > 0 ? ConfigInts(node, 1) : null)
                    .Select(a => a < 0 ? a + rank : a).ToArray();
                bool keep = Int(node, "keepdims", 1) != 0, mean = node.OpType == "ReduceMean";
                General(node, name, [x], a => axes.Length == 0 ? a[0].alias() : mean ? a[0].mean(axes, keep) : a[0].sum(axes, keep), linearity: OnnxLinearity.Affine);
                return true;
            }
        }
        return false;
    }

    private (long[] Kernel, long[] Strides, long[] Pads, long[] Dilations) Spatial(NodeProto node, long[]? kernelFromWeight)
    {
        long[] kernel = Ints(node, "kernel_shape") ?? kernelFromWeight!;
        long[] strides = Ints(node, "strides") ?? [1, 1];
        long[] pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        long[] dilations = Ints(node, "dilations") ?? [1, 1];
        string autoPad = Str(node, "auto_pad", "NOTSET");
        if (autoPad == "VALID") pads = [0, 0, 0, 0];
        // The image size is fixed, so SAME pads are known now.
        if (autoPad.StartsWith("SAME", StringComparison.Ordinal))
            pads = OnnxShapeInference.SamePads(_one[Canonical(node.Input[0])].Shape, kernel, strides, dilations, autoPad == "SAME_UPPER");
        return (kernel, strides, pads, dilations);
    }

    private static Tensor Pad(Tensor x, long[] pads, double value) =>
        pads.All(p => p == 0) ? x.alias() : nn.functional.pad(x, [pads[1], pads[3], pads[0], pads[2]], PaddingModes.Constant, value);

    private nn.Module<Tensor, Tensor> Conv(NodeProto node, string name)
    {
        var w = Weight(node, 1, "weight");
        var b = In(node, 2) is null ? null : Weight(node, 2, "bias");
        var (kernel, strides, pads, dilations) = Spatial(node, [w.shape[2], w.shape[3]]);
        long group = Int(node, "group", 1);
        if (pads[0] == pads[2] && pads[1] == pads[3])
        {
            var conv = nn.Conv2d(w.shape[1] * group, w.shape[0], (kernel[0], kernel[1]), stride: (strides[0], strides[1]),
                padding: (pads[0], pads[1]), dilation: (dilations[0], dilations[1]), groups: group, bias: b is not null);
            using (torch.no_grad())
            {
                conv.weight!.copy_(w);
                if (b is not null) conv.bias!.copy_(b);
            }
            return conv;
        }
        var operands = new List<OnnxStatic> { new(w, true, "weight") };
        if (b is not null) operands.Add(new(b, true, "bias"));
        return new OnnxUnaryOp(name, "Conv", operands, (x, s) =>
        {
            using var padded = Pad(x, pads, 0.0);
            return nn.functional.conv2d(padded, s(0), b is null ? null : s(1), strides, [0, 0], dilations, group);
        }, OnnxLinearity.Affine);
    }

    private nn.Module<Tensor, Tensor> Pool(NodeProto node, string name, bool max)
    {
        var (kernel, strides, pads, dilations) = Spatial(node, null);
        bool ceil = Int(node, "ceil_mode", 0) != 0;
        bool countPad = Int(node, "count_include_pad", 0) != 0;
        if (!max && dilations.Any(d => d != 1)) throw Unsupported(node, "has dilations");
        // torch's pooling modules take symmetric padding of at most half the kernel.
        bool moduleFits = pads[0] == pads[2] && pads[1] == pads[3] && 2 * pads[0] <= kernel[0] && 2 * pads[1] <= kernel[1];
        if (moduleFits)
            return max
                ? nn.MaxPool2d((kernel[0], kernel[1]), (strides[0], strides[1]), (pads[0], pads[1]), (dilations[0], dilations[1]), ceil)
                : nn.AvgPool2d((kernel[0], kernel[1]), (strides[0], strides[1]), (pads[0], pads[1]), ceil, countPad);
        return new OnnxUnaryOp(name, node.OpType, [], (x, _) =>
        {
            if (max)
            {
                using var padded = Pad(x, pads, double.NegativeInfinity);
                return nn.functional.max_pool2d(padded, kernel, strides, [0, 0], dilations, ceil);
            }
            using var xp = Pad(x, pads, 0.0);
            if (countPad) return nn.functional.avg_pool2d(xp, kernel, strides, [0, 0], ceil, true);
            // Average over real pixels only: window sums divided by window counts of a padded mask of ones.
            using var ones = torch.ones(1, 1, x.shape[2], x.shape[3], x.dtype);
            using var mask = Pad(ones, pads, 0.0);
            using var sums = nn.functional.avg_pool2d(xp, kernel, strides, [0, 0], ceil, true, 1);
            using var counts = nn.functional.avg_pool2d(mask, kernel, strides, [0, 0], ceil, true, 1);
            return sums / counts;
        }, max ? OnnxLinearity.None : OnnxLinearity.Affine);
    }

    private nn.Module<Tensor, Tensor> BatchNorm(NodeProto node, string name)
    {
        if (Int(node, "training_mode", 0) != 0)
            throw new FragilityException($"'{_source}': node '{node.Name}' (BatchNormalization) runs in training mode. Re-export the model after model.eval().");
        double eps = Float(node, "epsilon", 1e-5f);
        Tensor scale = Weight(node, 1, "scale"), bias = Weight(node, 2, "bias"), mean = Weight(node, 3, "mean"), variance = Weight(node, 4, "variance");
        long c = scale.shape[0];
        int rank = _one[Canonical(node.Input[0])].Rank;
        if (rank is 4 or 2 or 3)
        {
            nn.Module<Tensor, Tensor> bn = rank == 4 ? nn.BatchNorm2d(c, eps) : nn.BatchNorm1d(c, eps);
            var (w, b, m, v) = bn switch
            {
                BatchNorm2d b2 => (b2.weight!, b2.bias!, b2.running_mean!, b2.running_var!),
                BatchNorm1d b1 => (b1.weight!, b1.bias!, b1.running_mean!, b1.running_var!),
                _ => throw new InvalidOperationException(),
            };
            using (torch.no_grad()) { w.copy_(scale); b.copy_(bias); m.copy_(mean); v.copy_(variance); }
            bn.eval();
            return bn;
        }
        return new OnnxUnaryOp(name, "BatchNormalization",
            [new(scale, true, "weight"), new(bias, true, "bias"), new(mean, true, "running_mean"), new(variance, true, "running_var")],
            (x, s) => nn.functional.batch_norm(x, s(2), s(3), s(0), s(1), false, 0.0, eps), OnnxLinearity.Affine);
    }

    /// <summary>LayerNormalization written out (mean and biased variance over the axes from <c>axis</c> on), so it
    /// is differentiable to any order with plain ops.</summary>
    private void LayerNorm(NodeProto node, string name)
    {
        var x = Dynamic(node, 0, "input");
        int rank = _one[x.Name].Rank;
        long axis = Int(node, "axis", -1);
        long[] dims = Enumerable.Range((int)(axis < 0 ? axis + rank : axis), (int)(rank - (axis < 0 ? axis + rank : axis))).Select(d => (long)d).ToArray();
        double eps = Float(node, "epsilon", 1e-5f);
        var operands = new List<Operand> { x, Required(node, 1) };
        if (In(node, 2) is { } bias) operands.Add(bias);
        General(node, name, operands, a =>
        {
            using var mean = a[0].mean(dims, true);
            using var centred = a[0] - mean;
            using var variance = (centred * centred).mean(dims, true);
            using var normalised = centred / (variance + eps).sqrt();
            using var scaled = normalised * a[1];
            return a.Length > 2 ? scaled + a[2] : scaled.alias();
        });
    }

    private void Gemm(NodeProto node, string name)
    {
        float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
        bool transA = Int(node, "transA", 0) != 0, transB = Int(node, "transB", 0) != 0;
        Operand a = Required(node, 0), b = Required(node, 1);
        var c = In(node, 2);
        // Gemm(x, W, c) with fixed W and a per-output bias is a Linear layer: weight alpha*W', bias beta*c.
        if (a.IsDynamic && !transA && !b.IsDynamic && (c is null || !c.IsDynamic))
        {
            var w = b.Static!.Value;
            long n = transB ? w.shape[0] : w.shape[1];
            Tensor? bias = null;
            if (c is not null)
            {
                var cv = c.Static!.Value;
                if (cv.numel() == n && (cv.dim() == 1 || cv.dim() == 2 && cv.shape[0] == 1)) bias = Temp((cv.reshape(n) * beta).to(ScalarType.Float32));
                else if (cv.numel() == 1) bias = Temp(torch.ones(n) * cv.reshape(1).to(ScalarType.Float32) * beta);
            }
            if (c is null || bias is not null)
            {
                using var weight = ((transB ? w : w.t()) * alpha).contiguous();
                var linear = nn.Linear(new Parameter(weight.to(ScalarType.Float32).clone()), bias is null ? null : new Parameter(bias.clone()));
                AddUnary(node, name, a, linear);
                return;
            }
        }
        General(node, name, [a, b, .. c is null ? Array.Empty<Operand>() : [c]], args =>
        {
            using var ta = transA ? args[0].t() : args[0].alias();
            using var tb = transB ? args[1].t() : args[1].alias();
            using var ab = ta.matmul(tb);
            if (args.Length < 3) return ab * alpha;
            using var scaled = ab * alpha;
            return scaled + args[2] * beta;
        });
    }

    private void MatMul(NodeProto node, string name)
    {
        Operand a = Required(node, 0), b = Required(node, 1);
        // x @ W with a fixed 2-D W is a Linear layer without bias (weight W^T).
        if (a.IsDynamic && !b.IsDynamic && b.Static!.Value.dim() == 2 && _one[a.Name].Rank >= 2)
        {
            using var weight = b.Static.Value.t().contiguous();
            AddUnary(node, name, a, nn.Linear(new Parameter(weight.to(ScalarType.Float32).clone()), null));
            return;
        }
        // Shapes were checked by the shape inference (libtorch's matmul aborts on a mismatch).
        General(node, name, [a, b], args => args[0].matmul(args[1]));
    }
}
