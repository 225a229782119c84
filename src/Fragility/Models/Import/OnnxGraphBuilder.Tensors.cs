using Fragility.Models.Import.Onnx;
using TorchSharp;
using static Fragility.Models.Import.OnnxAttributes;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>Tensor layout: Flatten, Reshape, Squeeze, Unsqueeze and Expand (to the shape the inference found, with
/// the batch dimension resolved when the graph runs), Transpose, Concat, Split, Slice, Gather, Pad and a
/// ConstantOfShape whose size follows the batch.</summary>
internal sealed partial class OnnxGraphBuilder
{
    private bool TranslateTensor(NodeProto node, string name)
    {
        string output = node.Output[0];
        switch (node.OpType)
        {
            case "Flatten" or "Reshape" or "Squeeze" or "Unsqueeze":
            {
                var x = Required(node, 0);
                // Flatten to [N, features] is the standard module (the layer-wise methods know it).
                bool flatten = node.OpType == "Flatten" && Int(node, "axis", 1) == 1
                    || node.OpType == "Reshape" && Int(node, "allowzero", 0) == 0 && _one[Canonical(node.Input[1])].Values is [0, -1];
                if (flatten && x.IsDynamic && _one[x.Name].Rank >= 2)
                {
                    AddUnary(node, name, x, nn.Flatten(1, -1));
                    return true;
                }
                var shape = OutShape(output, node, x.Name);
                General(node, name, [x], a => a[0].reshape(shape(a[0])), linearity: OnnxLinearity.Routing);
                return true;
            }
            case "Expand":
            {
                var x = Required(node, 0);
                if (x.IsDynamic || !Runtime(output))
                {
                    var shape = OutShape(output, node, x.Name);
                    General(node, name, [x], a => a[0].expand(shape(a[0])));
                    return true;
                }
                // A fixed tensor repeated N times (ViT's class token): the graph input tells N.
                var perImage = OutShape(output, node, _input);
                var op = new OnnxMultiOp(name, node.OpType, [x.Static!], (xs, s) => s(0).expand(perImage(xs[0])));
                _steps.Add(new OnnxStep(name, node.Name, node.OpType, [_input], output, null, op, false, [_input]));
                return true;
            }
            case "ConstantOfShape":
            {
                var shape = OutShape(output, node, _input);
                var v = _one[output];
                double value = Attr(node, "value") is { T: { } t } ? OnnxTensors.Values(t, _source, _folder)[0] : 0.0;
                if (v.Element != OnnxElement.Float) throw Unsupported(node, "makes integers whose size follows the batch");
                var op = new OnnxMultiOp(name, node.OpType, [], (xs, _) => torch.full(shape(xs[0]), value, xs[0].dtype));
                _steps.Add(new OnnxStep(name, node.Name, node.OpType, [_input], output, null, op, false, [_input]));
                return true;
            }
            case "Transpose":
            {
                var x = Required(node, 0);
                int rank = _one[x.Name].Rank;
                long[] perm = Ints(node, "perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
                General(node, name, [x], a => a[0].permute(perm), linearity: OnnxLinearity.Routing);
                return true;
            }
            case "Concat":
            {
                var operands = All(node);
                int rank = _one[operands[0].Name].Rank;
                long axis = Int(node, "axis", 0);
                axis = axis < 0 ? axis + rank : axis;
                // A Concat of one computed tensor (DenseNet's torch.cat([x], 1)) only passes it on.
                General(node, name, operands, a => torch.cat(a, axis), joinsChannels: axis == 1 && operands.All(o => o.IsDynamic),
                    linearity: operands.Count == 1 ? OnnxLinearity.Routing : OnnxLinearity.Affine, anySlot: true);
                return true;
            }
            case "Split": Split(node, name); return true;
            case "Slice": Slice(node, name); return true;
            case "Gather": Gather(node, name); return true;
            case "Pad": PadNode(node, name); return true;
        }
        return false;
    }

    /// <summary>Refuses an operation along a dimension that follows the batch size (slicing or indexing images).</summary>
    private void NotAlongBatch(NodeProto node, string value, int axis)
    {
        if (Runtime(value) && Dims(value, node)[axis].PerImage)
            throw Unsupported(node, $"selects along axis {axis}, which follows the batch size");
    }

    // The shape inference has checked the axis against the rank already; this only resolves a negative one.
    private static int AxisOf(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    private void Split(NodeProto node, string name)
    {
        var x = Required(node, 0);
        var shape = _one[x.Name].Shape;
        int axis = AxisOf(Int(node, "axis", 0), shape.Length);
        NotAlongBatch(node, x.Name, axis);
        long[] sizes = OnnxShapeInference.SplitSizes(node, _opset, shape[axis], () => node.Input.Count > 1 && node.Input[1].Length > 0 ? ConfigInts(node, 1) : null)!;
        long start = 0;
        for (int k = 0; k < node.Output.Count; k++)
        {
            long from = start, size = sizes[k];
            start += size;
            if (node.Output[k].Length == 0) continue;
            string part = k == 0 ? name : OnnxNames.Unique($"{name}_{k}", _moduleNames);
            General(node, part, [x], t => t[0].narrow(axis, from, size), output: node.Output[k], linearity: OnnxLinearity.Routing);
        }
    }

    private void Slice(NodeProto node, string name)
    {
        var x = Required(node, 0);
        var shape = _one[x.Name].Shape;
        long[]? Optional(int i) => node.Input.Count > i && node.Input[i].Length > 0 ? ConfigInts(node, i) : null;
        var (start, step, count) = OnnxShapeInference.SliceRanges(shape, ConfigInts(node, 1), ConfigInts(node, 2), Optional(3), Optional(4), p => Unsupported(node, p));
        var axes = Enumerable.Range(0, shape.Length).Where(d => !(start[d] == 0 && step[d] == 1 && count[d] == shape[d])).ToArray();
        foreach (int d in axes) NotAlongBatch(node, x.Name, d);
        if (!x.IsDynamic && step.Any(s => s < 0)) throw Unsupported(node, "slices a large constant backwards");
        General(node, name, [x], t =>
        {
            var y = t[0].alias();
            foreach (int d in axes)
            {
                using var previous = y;
                y = y.slice(d, start[d], start[d] + (count[d] - 1) * step[d] + 1, step[d]);
            }
            return y;
        }, linearity: OnnxLinearity.Routing);
    }

    private void Gather(NodeProto node, string name)
    {
        var x = Required(node, 0);
        var shape = _one[x.Name].Shape;
        int axis = AxisOf(Int(node, "axis", 0), shape.Length);
        NotAlongBatch(node, x.Name, axis);
        long[] indices = ConfigInts(node, 1).Select(i => i < 0 ? i + shape[axis] : i).ToArray();
        bool scalar = _one[Canonical(node.Input[1])].Rank == 0;
        var outShape = OutShape(node.Output[0], node, x.Name);
        General(node, name, [x], t =>
        {
            if (scalar) return t[0].select(axis, indices[0]);
            using var index = torch.tensor(indices);
            using var picked = t[0].index_select(axis, index);
            return picked.reshape(outShape(t[0]));
        }, linearity: OnnxLinearity.Routing);
    }

    private void PadNode(NodeProto node, string name)
    {
        var x = Required(node, 0);
        int rank = _one[x.Name].Rank;
        long[] pads = ConfigInts(node, 1);
        long[] axes = node.Input.Count > 3 && node.Input[3].Length > 0
            ? ConfigInts(node, 3).Select(v => v < 0 ? v + rank : v).ToArray()
            : Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        string mode = Str(node, "mode", "constant");
        double value = node.Input.Count > 2 && node.Input[2].Length > 0 ? Scalar(node, Config(node, 2, "padding value")) : 0.0;
        var before = new long[rank];
        var after = new long[rank];
        for (int i = 0; i < axes.Length; i++) { before[axes[i]] = pads[i]; after[axes[i]] = pads[axes.Length + i]; }
        for (int d = 0; d < rank; d++) if (before[d] != 0 || after[d] != 0) NotAlongBatch(node, x.Name, d);
        int first = mode == "constant" ? Enumerable.Range(0, rank).FirstOrDefault(d => before[d] != 0 || after[d] != 0, rank) : rank - 2;
        // torch's pad lists (before, after) pairs from the last dimension backwards.
        long[] torchPads = Enumerable.Range(first, rank - first).Reverse().SelectMany(d => new[] { before[d], after[d] }).ToArray();
        var padMode = mode switch { "reflect" => PaddingModes.Reflect, "edge" => PaddingModes.Replicate, _ => PaddingModes.Constant };
        General(node, name, [x], t => torchPads.Length == 0 ? t[0].alias() : nn.functional.pad(t[0], torchPads, padMode, value), linearity: OnnxLinearity.Affine);
    }
}
