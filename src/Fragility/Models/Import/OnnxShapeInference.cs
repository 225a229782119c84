using Fragility.Models.Import.Onnx;
using static Fragility.Models.Import.OnnxAttributes;

namespace Fragility.Models.Import;

/// <summary>
/// Infers and checks, in C# and before any tensor is made, the shape of every value of an ONNX graph for a fixed
/// input shape, and folds its shape arithmetic (Shape, Gather, Concat, ConstantOfShape, Range, Cast, Equal, Where,
/// Slice, Unsqueeze... of values that do not depend on the image) into numbers. A libtorch error aborts the process
/// instead of throwing, so every check a layer would make (channels of a convolution, inner sizes of a product,
/// broadcasting, reshape sizes, indices in range, sizes that are not absurd) is made here first, and a graph that
/// fails one is refused with one line naming the node.
/// </summary>
internal sealed class OnnxShapeInference
{
    /// <summary>Largest number of elements of any value (at batch size 2): 2^28 floats are 1 GB.</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>Largest value folded in C# (shape arithmetic is small; bigger constants fold with TorchSharp after
    /// their shapes are checked).</summary>
    public const int MaxFolded = 1 << 16;

    /// <summary>Largest kernel, stride, dilation or pad accepted.</summary>
    public const long MaxWindow = 1 << 16;

    private const string Refit = "Re-export the model (torch.onnx.export) at the input size you import it with, or check that the file is not damaged.";

    private readonly string _source;
    private readonly string? _folder;
    private readonly int _opset;
    private readonly IReadOnlyDictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, OnnxValue> _values = [];

    private OnnxShapeInference(string source, string? folder, int opset, IReadOnlyDictionary<string, TensorProto> initializers)
    {
        _source = source;
        _folder = folder;
        _opset = opset;
        _initializers = initializers;
    }

    /// <summary>Every value's shape (and folded contents) for <paramref name="inputShape"/>; <paramref name="nodes"/>
    /// in topological order. Throws <see cref="FragilityException"/> at the first node that does not fit.</summary>
    public static IReadOnlyDictionary<string, OnnxValue> Run(IReadOnlyList<NodeProto> nodes, IReadOnlyDictionary<string, TensorProto> initializers,
        string input, long[] inputShape, int opset, string source, string? folder)
    {
        var inference = new OnnxShapeInference(source, folder, opset, initializers);
        inference._values[input] = new OnnxValue(inputShape, OnnxElement.Float, true, null);
        foreach (var node in nodes) inference.Infer(node);
        return inference._values;
    }

    /// <summary>Refuses a shape with more than <see cref="MaxElements"/> elements (or whose count overflows).</summary>
    public static void CheckSize(long[] shape, string what)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new FragilityException($"{what} has a negative size [{string.Join(",", shape)}]. {Refit}");
            if (d != 0 && count > MaxElements / d)
                throw new FragilityException($"{what} would have shape [{string.Join(",", shape)}], more than {MaxElements} elements; Fragility refuses such sizes. {Refit}");
            count *= d;
        }
    }

    // ---- values -----------------------------------------------------------------------------------------------

    private OnnxValue? Get(NodeProto node, int i)
    {
        if (i >= node.Input.Count || node.Input[i].Length == 0) return null;
        string name = node.Input[i];
        if (_values.TryGetValue(name, out var v)) return v;
        if (_initializers.TryGetValue(name, out var init))
        {
            var element = OnnxTensors.Element(init.DataType)
                ?? throw new FragilityException($"'{_source}': initializer '{name}' has ONNX element type {(TensorProto.Types.DataType)init.DataType}, which Fragility does not read. Export the model with float32 weights.");
            long[] dims = OnnxTensors.Dims(init, _source);
            long count = dims.Aggregate(1L, (a, b) => a * b);
            double[]? values = count <= MaxFolded && !OnnxTensors.HasNoData(init) ? OnnxTensors.Values(init, _source, _folder) : null;
            if (count > 0 && OnnxTensors.HasNoData(init) && element != OnnxElement.Float)
                throw new FragilityException($"'{_source}': initializer '{name}' has no data. {Refit}");
            return _values[name] = new OnnxValue(dims, element, false, values);
        }
        throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) reads '{name}', which no node, initializer or input defines. {Refit}");
    }

    private OnnxValue Need(NodeProto node, int i, string role) =>
        Get(node, i) ?? throw Fail(node, $"lacks its {role} (input #{i + 1})");

    /// <summary>A value that must be fixed and known (shapes, axes, indices, pads).</summary>
    private double[] Known(NodeProto node, int i, string role)
    {
        var v = Need(node, i, role);
        if (v.Computed)
            throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) computes its {role} from the image; Fragility needs it fixed in the file. Re-export the model with a fixed input size (torch.onnx.export without dynamic spatial axes).");
        return v.Values ?? throw Fail(node, $"has a {role} too large to fold ({v.Count} elements)");
    }

    private long[] KnownInts(NodeProto node, int i, string role) => Known(node, i, role).Select(ToLong).ToArray();

    /// <summary>A folded integer back as long; INT64_MAX/MIN (Slice's "to the end") survive the trip through double.</summary>
    public static long ToLong(double v) => v >= 9.2e18 ? long.MaxValue : v <= -9.2e18 ? long.MinValue : (long)v;

    private FragilityException Fail(NodeProto node, string problem) =>
        new($"'{_source}': node '{node.Name}' ({node.OpType}) {problem}. {Refit}");

    private static string Text(long[] s) => $"[{string.Join(",", s)}]";

    private void Set(NodeProto node, int k, OnnxValue v)
    {
        if (k >= node.Output.Count || node.Output[k].Length == 0) return;
        CheckSize(v.Shape, $"'{_source}': node '{node.Name}' ({node.OpType}) output '{node.Output[k]}'");
        if (v.Computed && v.Shape.Contains(0)) throw Fail(node, $"makes an empty tensor {v.ShapeText} from the image");
        // Fold only what is small; a fold-able op on a big constant leaves the folding to TorchSharp.
        _values[node.Output[k]] = v.Values is not null && (v.Computed || v.Count > MaxFolded) ? v with { Values = null } : v;
    }

    private int Axis(NodeProto node, long axis, int rank, bool inclusiveEnd = false)
    {
        long a = axis < 0 ? axis + rank + (inclusiveEnd ? 1 : 0) : axis;
        if (a < 0 || a >= rank + (inclusiveEnd ? 1 : 0)) throw Fail(node, $"has axis {axis}, outside a rank-{rank} tensor");
        return (int)a;
    }

    // ---- nodes ------------------------------------------------------------------------------------------------

    private void Infer(NodeProto node)
    {
        if (!DefaultDomain(node))
            throw new FragilityException($"'{_source}': node '{node.Name}' uses operator '{node.Domain}.{node.OpType}' from domain '{node.Domain}', which Fragility does not know. Export with standard ONNX operators only (no custom or contrib ops).");
        if (node.Output.Count == 0 || node.Output[0].Length == 0) throw Fail(node, "has no output");
        var inputs = Enumerable.Range(0, node.Input.Count).Select(i => Get(node, i)).ToArray();
        bool computed = node.OpType != "Shape" && inputs.Any(v => v is { Computed: true });
        switch (node.OpType)
        {
            case "Constant": Set(node, 0, Constant(node)); return;
            case "Identity" or "Dropout":
            {
                var x = Need(node, 0, "input");
                Set(node, 0, x);
                return;
            }
            case "Relu" or "Sigmoid" or "Tanh" or "Erf" or "Sqrt" or "Abs" or "Neg" or "Exp" or "Log" or "Reciprocal" or "Softplus"
                or "LeakyRelu" or "HardSigmoid" or "HardSwish" or "Floor" or "Ceil":
                Set(node, 0, Unary(node, Need(node, 0, "input")));
                return;
            case "Clip":
            {
                var x = Need(node, 0, "input");
                for (int i = 1; i < node.Input.Count; i++)
                    if (Get(node, i) is { } b && (b.Count != 1 || b.Computed)) throw Fail(node, $"has a bound that is not one fixed number (shape {b.ShapeText})");
                Set(node, 0, x with { Values = null, Computed = computed });
                return;
            }
            case "Softmax" or "LogSoftmax":
            {
                var x = Need(node, 0, "input");
                Axis(node, Int(node, "axis", _opset >= 13 ? -1 : 1), x.Rank);
                Set(node, 0, x with { Values = null, Computed = computed });
                return;
            }
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Mod" or "Equal" or "Less" or "Greater" or "Where" or "PRelu":
                Set(node, 0, Elementwise(node, computed));
                return;
            case "Cast": Set(node, 0, Cast(node, Need(node, 0, "input"))); return;
            case "Shape": Set(node, 0, Shape(node, Need(node, 0, "input"))); return;
            case "ConstantOfShape": Set(node, 0, ConstantOfShape(node)); return;
            case "Range": Set(node, 0, Range(node)); return;
            case "Conv": Set(node, 0, Conv(node, computed)); return;
            case "MaxPool" or "AveragePool": Set(node, 0, Pool(node)); return;
            case "GlobalAveragePool" or "GlobalMaxPool":
            {
                var x = Need(node, 0, "input");
                if (x.Rank < 3) throw Fail(node, $"needs a tensor [N, C, H, W], got {x.ShapeText}");
                Set(node, 0, new OnnxValue([.. x.Shape.Take(2), .. Enumerable.Repeat(1L, x.Rank - 2)], OnnxElement.Float, computed, null));
                return;
            }
            case "BatchNormalization": Set(node, 0, BatchNorm(node, computed)); return;
            case "LayerNormalization": Set(node, 0, LayerNorm(node, computed)); return;
            case "Flatten":
            {
                var x = Need(node, 0, "input");
                int axis = Axis(node, Int(node, "axis", 1), x.Rank, inclusiveEnd: true);
                long outer = x.Shape.Take(axis).Aggregate(1L, (a, b) => a * b);
                Set(node, 0, new OnnxValue([outer, x.Shape.Skip(axis).Aggregate(1L, (a, b) => a * b)], x.Element, computed, x.Values));
                return;
            }
            case "Reshape": Set(node, 0, Reshape(node, computed)); return;
            case "Gemm": Set(node, 0, Gemm(node, computed)); return;
            case "MatMul": Set(node, 0, MatMul(node, computed)); return;
            case "Concat": Set(node, 0, Concat(node, computed)); return;
            case "Transpose": Set(node, 0, Transpose(node, Need(node, 0, "input"))); return;
            case "Split": Split(node); return;
            case "Slice": Set(node, 0, Slice(node)); return;
            case "Gather": Set(node, 0, Gather(node, computed)); return;
            case "Squeeze" or "Unsqueeze": Set(node, 0, Squeeze(node, node.OpType == "Unsqueeze")); return;
            case "Expand": Set(node, 0, Expand(node, computed)); return;
            case "ReduceMean" or "ReduceSum": Set(node, 0, Reduce(node, computed)); return;
            case "Pad": Set(node, 0, Pad(node, computed)); return;
            default:
                // Translation names the unsupported operator with the list of supported ones.
                throw new FragilityException($"'{_source}': node '{node.Name}' uses operator '{node.OpType}', which Fragility does not support (supported: {string.Join(", ", OnnxGraphBuilder.Supported)}). Remove or replace it and re-export the model.");
        }
    }

    private OnnxValue Constant(NodeProto node)
    {
        if (Attr(node, "value") is { T: { } t })
        {
            var element = OnnxTensors.Element(t.DataType) ?? throw Fail(node, $"holds an ONNX element type {(TensorProto.Types.DataType)t.DataType} Fragility does not read");
            long[] dims = OnnxTensors.Dims(t, _source);
            return new OnnxValue(dims, element, false, OnnxTensors.Values(t, _source, _folder));
        }
        if (Attr(node, "value_float") is { } f) return new OnnxValue([], OnnxElement.Float, false, [f.F]);
        if (Attr(node, "value_floats") is { } fs) return new OnnxValue([fs.Floats.Count], OnnxElement.Float, false, fs.Floats.Select(v => (double)v).ToArray());
        if (Attr(node, "value_int") is { } i) return new OnnxValue([], OnnxElement.Int, false, [i.I]);
        if (Attr(node, "value_ints") is { } iss) return new OnnxValue([iss.Ints.Count], OnnxElement.Int, false, iss.Ints.Select(v => (double)v).ToArray());
        throw Fail(node, "holds a sparse or string constant, which Fragility does not read");
    }

    private static readonly Dictionary<string, Func<double, double>> UnaryFolds = new()
    {
        ["Relu"] = v => Math.Max(0, v), ["Sigmoid"] = v => 1 / (1 + Math.Exp(-v)), ["Tanh"] = Math.Tanh, ["Sqrt"] = Math.Sqrt,
        ["Abs"] = Math.Abs, ["Neg"] = v => -v, ["Exp"] = Math.Exp, ["Log"] = Math.Log, ["Reciprocal"] = v => 1 / v,
        ["Floor"] = Math.Floor, ["Ceil"] = Math.Ceiling,
    };

    private OnnxValue Unary(NodeProto node, OnnxValue x)
    {
        if (x.Element != OnnxElement.Float && node.OpType is not ("Abs" or "Neg" or "Relu"))
            throw Fail(node, "is applied to integers, which Fragility does not fold");
        double[]? values = !x.Computed && x.Values is not null && UnaryFolds.TryGetValue(node.OpType, out var f) ? x.Values.Select(f).ToArray() : null;
        return new OnnxValue(x.Shape, x.Element, x.Computed, values);
    }

    /// <summary>numpy broadcasting of <paramref name="shapes"/>, or a refusal naming them.</summary>
    private long[] Broadcast(NodeProto node, IReadOnlyList<long[]> shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new long[rank];
        for (int d = 1; d <= rank; d++)
        {
            long size = 1;
            foreach (var s in shapes)
            {
                if (d > s.Length) continue;
                long v = s[^d];
                if (v == size || v == 1) continue;
                if (size != 1) throw Fail(node, $"cannot broadcast shapes {string.Join(" and ", shapes.Select(Text))}");
                size = v;
            }
            result[^d] = size;
        }
        return result;
    }

    private OnnxValue Elementwise(NodeProto node, bool computed)
    {
        string op = node.OpType;
        int arity = op == "Where" ? 3 : 2;
        var xs = Enumerable.Range(0, arity).Select(i => Need(node, i, $"operand #{i + 1}")).ToArray();
        if (op == "PRelu")
        {
            // The slope broadcasts to the input (unidirectionally).
            var shape = Broadcast(node, [xs[0].Shape, xs[1].Shape]);
            if (!shape.SequenceEqual(xs[0].Shape)) throw Fail(node, $"has a slope {xs[1].ShapeText} that does not broadcast to its input {xs[0].ShapeText}");
            return new OnnxValue(shape, OnnxElement.Float, computed, null);
        }
        var outShape = Broadcast(node, xs.Select(x => x.Shape).ToList());
        var element = op is "Equal" or "Less" or "Greater" ? OnnxElement.Bool : op == "Where" ? xs[1].Element : xs[0].Element;
        if (op == "Where" && xs[1].Element != xs[2].Element) throw Fail(node, "selects between values of different types");
        if (op is "Add" or "Sub" or "Mul" or "Div" or "Mod" && xs[0].Element != xs[1].Element)
            throw Fail(node, $"combines {xs[0].Element} and {xs[1].Element} values");
        double[]? values = null;
        if (!computed && xs.All(x => x.Values is not null) && outShape.Aggregate(1L, (a, b) => a * b) <= MaxFolded)
        {
            bool integer = element == OnnxElement.Int;
            Func<double[], double> f = op switch
            {
                "Add" => a => a[0] + a[1],
                "Sub" => a => a[0] - a[1],
                "Mul" => a => a[0] * a[1],
                "Div" when integer => a => a[1] == 0 ? throw Fail(node, "divides an integer by zero") : Math.Truncate(a[0] / a[1]),
                "Div" => a => a[0] / a[1],
                "Pow" => a => Math.Pow(a[0], a[1]),
                // Mod: the divisor's sign (Python's %) unless fmod=1 (C's fmod).
                "Mod" when Int(node, "fmod", 0) != 0 => a => a[0] % a[1],
                "Mod" => a => a[1] == 0 ? throw Fail(node, "takes a remainder by zero") : a[0] - a[1] * Math.Floor(a[0] / a[1]),
                "Equal" => a => a[0] == a[1] ? 1 : 0,
                "Less" => a => a[0] < a[1] ? 1 : 0,
                "Greater" => a => a[0] > a[1] ? 1 : 0,
                _ => a => a[0] != 0 ? a[1] : a[2],
            };
            values = OnnxFold.Elementwise(outShape, xs.Select(x => (x.Values!, x.Shape)).ToList(), f);
        }
        return new OnnxValue(outShape, element, computed, values);
    }

    private OnnxValue Cast(NodeProto node, OnnxValue x)
    {
        var to = OnnxTensors.Element(Int(node, "to", 1)) ?? throw Fail(node, $"casts to ONNX type {Int(node, "to", 1)}, which Fragility does not compute with");
        double[]? values = x.Values?.Select(v => to switch
        {
            OnnxElement.Int => Math.Truncate(v),
            OnnxElement.Bool => v != 0 ? 1.0 : 0.0,
            _ => (double)(float)v,
        }).ToArray();
        return new OnnxValue(x.Shape, to, x.Computed, values);
    }

    private OnnxValue Shape(NodeProto node, OnnxValue x)
    {
        long start = Int(node, "start", 0), end = Int(node, "end", x.Rank);
        start = Math.Clamp(start < 0 ? start + x.Rank : start, 0, x.Rank);
        end = Math.Clamp(end < 0 ? end + x.Rank : end, 0, x.Rank);
        var dims = x.Shape.Skip((int)start).Take((int)Math.Max(0, end - start)).Select(d => (double)d).ToArray();
        return new OnnxValue([dims.Length], OnnxElement.Int, false, dims);
    }

    private OnnxValue ConstantOfShape(NodeProto node)
    {
        long[] shape = KnownInts(node, 0, "shape");
        CheckSize(shape, $"'{_source}': node '{node.Name}' (ConstantOfShape)");
        var (element, value) = Attr(node, "value") is { T: { } t }
            ? (OnnxTensors.Element(t.DataType) ?? throw Fail(node, "has a value of a type Fragility does not read"), OnnxTensors.Values(t, _source, _folder) is [var one] ? one : throw Fail(node, "has a value that is not one number"))
            : (OnnxElement.Float, 0.0);
        long count = shape.Aggregate(1L, (a, b) => a * b);
        return new OnnxValue(shape, element, false, count <= MaxFolded ? Enumerable.Repeat(value, (int)count).ToArray() : null);
    }

    private OnnxValue Range(NodeProto node)
    {
        double start = Scalar(node, 0, "start"), limit = Scalar(node, 1, "limit"), delta = Scalar(node, 2, "delta");
        if (delta == 0) throw Fail(node, "has step 0");
        double n = Math.Max(Math.Ceiling((limit - start) / delta), 0);
        if (n > MaxFolded) throw Fail(node, $"makes {n} numbers, more than Fragility folds ({MaxFolded})");
        var values = Enumerable.Range(0, (int)n).Select(i => start + i * delta).ToArray();
        return new OnnxValue([(long)n], Need(node, 0, "start").Element, false, values);
    }

    private double Scalar(NodeProto node, int i, string role) =>
        Known(node, i, role) is [var v] ? v : throw Fail(node, $"has a {role} that is not one number");

    // Spatial attributes: ONNX pads are [begins..., ends...].
    private (long[] Kernel, long[] Strides, long[] Pads, long[] Dilations, string AutoPad) Spatial(NodeProto node, long[] input, long[]? kernelFromWeight)
    {
        long[] kernel = Ints(node, "kernel_shape") ?? kernelFromWeight ?? throw Fail(node, "has no kernel_shape");
        if (kernel.Length != 2 || input.Length != 4) throw Fail(node, $"is not a 2-D image operation (input {Text(input)}, kernel {Text(kernel)}); Fragility runs 2-D images [N, C, H, W]");
        long[] strides = Ints(node, "strides") ?? [1, 1];
        long[] pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        long[] dilations = Ints(node, "dilations") ?? [1, 1];
        string autoPad = Str(node, "auto_pad", "NOTSET");
        if (autoPad == "") autoPad = "NOTSET";
        if (strides.Length != 2 || pads.Length != 4 || dilations.Length != 2) throw Fail(node, "has malformed strides, pads or dilations");
        // Sizes beyond 2^16 are absurd for an image and may overflow inside libtorch.
        if (kernel.Any(k => k < 1) || strides.Any(s => s < 1) || dilations.Any(d => d < 1) || pads.Any(p => p < 0)
            || kernel.Concat(strides).Concat(dilations).Concat(pads).Any(v => v > MaxWindow))
            throw Fail(node, $"has kernel {Text(kernel)}, strides {Text(strides)}, dilations {Text(dilations)} or pads {Text(pads)} out of range");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER")) throw Fail(node, $"has auto_pad '{autoPad}'");
        if (autoPad == "VALID") pads = [0, 0, 0, 0];
        if (autoPad.StartsWith("SAME", StringComparison.Ordinal)) pads = SamePads(input, kernel, strides, dilations, autoPad == "SAME_UPPER");
        return (kernel, strides, pads, dilations, autoPad);
    }

    /// <summary>Explicit pads [top, left, bottom, right] for auto_pad SAME_* (ONNX's formula).</summary>
    public static long[] SamePads(long[] input, long[] kernel, long[] strides, long[] dilations, bool upper)
    {
        var pads = new long[4];
        for (int i = 0; i < 2; i++)
        {
            long size = input[2 + i];
            long outSize = (size + strides[i] - 1) / strides[i];
            long total = Math.Max(0, (outSize - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
            long small = total / 2, big = total - small;
            pads[i] = upper ? small : big;
            pads[2 + i] = upper ? big : small;
        }
        return pads;
    }

    private long[] SpatialOut(NodeProto node, long[] input, long[] kernel, long[] strides, long[] pads, long[] dilations, bool ceil)
    {
        var result = new long[2];
        for (int i = 0; i < 2; i++)
        {
            long span = input[2 + i] + pads[i] + pads[2 + i] - dilations[i] * (kernel[i] - 1) - 1;
            if (span < 0) throw Fail(node, $"has a window ({kernel[i]} with dilation {dilations[i]}) larger than its padded input {Text(input)}");
            long o = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
            // With ceil_mode the last window must start inside the input or its left padding (ONNX, PyTorch).
            if (ceil && (o - 1) * strides[i] >= input[2 + i] + pads[i]) o--;
            result[i] = o;
        }
        return result;
    }

    private OnnxValue Conv(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "input");
        var w = Need(node, 1, "weight");
        if (w.Rank != 4) throw Fail(node, $"has a weight {w.ShapeText}; Fragility runs 2-D convolutions with weights [M, C/group, kH, kW]");
        var (kernel, strides, pads, dilations, _) = Spatial(node, x.Shape, [w.Shape[2], w.Shape[3]]);
        if (!kernel.SequenceEqual(w.Shape.Skip(2))) throw Fail(node, $"has kernel_shape {Text(kernel)} but a weight {w.ShapeText}");
        long group = Int(node, "group", 1);
        if (group < 1 || x.Shape[1] != w.Shape[1] * group || w.Shape[0] % group != 0)
            throw Fail(node, $"convolves {x.Shape[1]} input channels with a weight {w.ShapeText} in {group} groups; they do not fit");
        if (Get(node, 2) is { } b && (b.Rank != 1 || b.Shape[0] != w.Shape[0])) throw Fail(node, $"has a bias {b.ShapeText} for {w.Shape[0]} output channels");
        var hw = SpatialOut(node, x.Shape, kernel, strides, pads, dilations, false);
        return new OnnxValue([x.Shape[0], w.Shape[0], hw[0], hw[1]], OnnxElement.Float, computed, null);
    }

    private OnnxValue Pool(NodeProto node)
    {
        var x = Need(node, 0, "input");
        var (kernel, strides, pads, dilations, _) = Spatial(node, x.Shape, null);
        if (pads[0] >= kernel[0] || pads[2] >= kernel[0] || pads[1] >= kernel[1] || pads[3] >= kernel[1])
            throw Fail(node, $"pads {Text(pads)} as wide as its kernel {Text(kernel)}");
        var hw = SpatialOut(node, x.Shape, kernel, strides, pads, dilations, Int(node, "ceil_mode", 0) != 0);
        if (hw.Any(d => d < 1)) throw Fail(node, $"leaves no output from its input {x.ShapeText}");
        return new OnnxValue([x.Shape[0], x.Shape[1], hw[0], hw[1]], OnnxElement.Float, x.Computed, null);
    }

    private OnnxValue BatchNorm(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "input");
        if (x.Rank < 2) throw Fail(node, $"needs a tensor [N, C, ...], got {x.ShapeText}");
        for (int i = 1; i <= 4; i++)
        {
            var p = Need(node, i, "statistics");
            if (p.Rank != 1 || p.Shape[0] != x.Shape[1]) throw Fail(node, $"has a parameter {p.ShapeText} for {x.Shape[1]} channels");
        }
        return new OnnxValue(x.Shape, OnnxElement.Float, computed, null);
    }

    private OnnxValue LayerNorm(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "input");
        int axis = Axis(node, Int(node, "axis", -1), x.Rank);
        long[] normalized = x.Shape[axis..];
        for (int i = 1; i <= 2; i++)
            if (Get(node, i) is { } p && !Broadcast(node, [normalized, p.Shape]).SequenceEqual(normalized))
                throw Fail(node, $"has a scale or bias {p.ShapeText} that does not fit the normalised shape {Text(normalized)}");
        return new OnnxValue(x.Shape, OnnxElement.Float, computed, null);
    }

    private OnnxValue Reshape(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "input");
        long[] target = KnownInts(node, 1, "shape");
        bool allowZero = Int(node, "allowzero", 0) != 0;
        var shape = target.Select((s, i) => s == 0 && !allowZero ? (i < x.Rank ? x.Shape[i] : throw Fail(node, $"copies dimension {i} of a rank-{x.Rank} input")) : s).ToArray();
        if (shape.Count(s => s == -1) > 1 || shape.Any(s => s < -1)) throw Fail(node, $"has shape {Text(target)}");
        long known = shape.Where(s => s != -1).Aggregate(1L, (a, b) => a * b);
        if (shape.Contains(-1))
        {
            if (known == 0 || x.Count % known != 0) throw Fail(node, $"cannot reshape {x.ShapeText} to {Text(target)}");
            shape = shape.Select(s => s == -1 ? x.Count / known : s).ToArray();
        }
        else if (known != x.Count) throw Fail(node, $"cannot reshape {x.ShapeText} ({x.Count} elements) to {Text(target)}");
        return new OnnxValue(shape, x.Element, computed, x.Values);
    }

    private OnnxValue Gemm(NodeProto node, bool computed)
    {
        var a = Need(node, 0, "A");
        var b = Need(node, 1, "B");
        if (a.Rank != 2 || b.Rank != 2) throw Fail(node, $"needs 2-D operands, got {a.ShapeText} and {b.ShapeText}");
        bool ta = Int(node, "transA", 0) != 0, tb = Int(node, "transB", 0) != 0;
        long m = ta ? a.Shape[1] : a.Shape[0], k = ta ? a.Shape[0] : a.Shape[1];
        long kb = tb ? b.Shape[1] : b.Shape[0], n = tb ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw Fail(node, $"cannot multiply {a.ShapeText} by {b.ShapeText} (transA={(ta ? 1 : 0)}, transB={(tb ? 1 : 0)})");
        if (Get(node, 2) is { } c && !Broadcast(node, [[m, n], c.Shape]).SequenceEqual([m, n]))
            throw Fail(node, $"has a bias {c.ShapeText} that does not broadcast to [{m},{n}]");
        return new OnnxValue([m, n], OnnxElement.Float, computed, null);
    }

    private OnnxValue MatMul(NodeProto node, bool computed)
    {
        var a = Need(node, 0, "A");
        var b = Need(node, 1, "B");
        if (a.Rank == 0 || b.Rank == 0) throw Fail(node, "multiplies a scalar");
        long[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape, sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        if (sa[^1] != sb[^2]) throw Fail(node, $"cannot multiply {a.ShapeText} by {b.ShapeText}");
        var batch = Broadcast(node, [sa[..^2], sb[..^2]]);
        var shape = new List<long>(batch);
        if (a.Rank > 1) shape.Add(sa[^2]);
        if (b.Rank > 1) shape.Add(sb[^1]);
        return new OnnxValue([.. shape], OnnxElement.Float, computed, null);
    }

    private OnnxValue Concat(NodeProto node, bool computed)
    {
        var parts = Enumerable.Range(0, node.Input.Count).Select(i => Get(node, i)).OfType<OnnxValue>().ToList();
        if (parts.Count == 0) throw Fail(node, "has no inputs");
        int rank = parts[0].Rank;
        int axis = Axis(node, Attr(node, "axis")?.I ?? throw Fail(node, "has no axis"), rank);
        foreach (var p in parts)
            if (p.Rank != rank || Enumerable.Range(0, rank).Any(d => d != axis && p.Shape[d] != parts[0].Shape[d]))
                throw Fail(node, $"joins shapes {string.Join(" and ", parts.Select(q => q.ShapeText))} along axis {axis}");
        if (parts.Any(p => p.Element != parts[0].Element)) throw Fail(node, "joins values of different types");
        long[] shape = (long[])parts[0].Shape.Clone();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        double[]? values = !computed && parts.All(p => p.Values is not null) && shape.Aggregate(1L, (a, b) => a * b) <= MaxFolded
            ? OnnxFold.Concat(parts.Select(p => (p.Values!, p.Shape)).ToList(), axis, shape) : null;
        return new OnnxValue(shape, parts[0].Element, computed, values);
    }

    private OnnxValue Transpose(NodeProto node, OnnxValue x)
    {
        long[] perm = Ints(node, "perm") ?? Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Rank || !perm.OrderBy(p => p).SequenceEqual(Enumerable.Range(0, x.Rank).Select(i => (long)i)))
            throw Fail(node, $"has perm {Text(perm)}, not a permutation of the axes of {x.ShapeText}");
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        return new OnnxValue(shape, x.Element, x.Computed, x.Values is null ? null : OnnxFold.Transpose(x.Values, x.Shape, perm, shape));
    }

    /// <summary>The sizes Split cuts along its axis (from the input since opset 13, the attribute before, or equal
    /// parts).</summary>
    public static long[]? SplitSizes(NodeProto node, int opset, long dim, Func<long[]?> fromInput)
    {
        long[]? sizes = opset >= 13 ? fromInput() : Ints(node, "split");
        if (sizes is not null) return sizes;
        int n = node.Output.Count;
        long numOutputs = Int(node, "num_outputs", n);
        long each = (dim + numOutputs - 1) / numOutputs;
        return Enumerable.Range(0, (int)numOutputs).Select(i => Math.Min(each, Math.Max(0, dim - i * each))).ToArray();
    }

    private void Split(NodeProto node)
    {
        var x = Need(node, 0, "input");
        int axis = Axis(node, Int(node, "axis", 0), x.Rank);
        long[] sizes = SplitSizes(node, _opset, x.Shape[axis], () => Get(node, 1) is null ? null : KnownInts(node, 1, "split sizes"))!;
        if (sizes.Length != node.Output.Count || sizes.Any(s => s < 0) || sizes.Sum() != x.Shape[axis])
            throw Fail(node, $"cuts {x.Shape[axis]} along axis {axis} into {Text(sizes)} for {node.Output.Count} outputs");
        long start = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            var shape = (long[])x.Shape.Clone();
            shape[axis] = sizes[k];
            double[]? values = null;
            if (x.Values is not null)
            {
                var starts = new long[x.Rank];
                starts[axis] = start;
                values = OnnxFold.Slice(x.Values, x.Shape, starts, Enumerable.Repeat(1L, x.Rank).ToArray(), shape);
            }
            Set(node, k, new OnnxValue(shape, x.Element, x.Computed, values));
            start += sizes[k];
        }
    }

    /// <summary>ONNX Slice normalised per axis of <paramref name="shape"/>: first index, step and count.</summary>
    public static (long[] Start, long[] Step, long[] Count) SliceRanges(long[] shape, long[] starts, long[] ends, long[]? axes, long[]? steps, Func<string, Exception> fail)
    {
        int r = shape.Length;
        var start = new long[r];
        var step = Enumerable.Repeat(1L, r).ToArray();
        var count = (long[])shape.Clone();
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw fail($"has starts, ends, axes and steps of different lengths");
        var seen = new HashSet<long>();
        for (int i = 0; i < starts.Length; i++)
        {
            long a = axes[i] < 0 ? axes[i] + r : axes[i];
            if (a < 0 || a >= r || !seen.Add(a)) throw fail($"slices axis {axes[i]} of a rank-{r} tensor");
            long d = shape[a], s = steps[i];
            if (s == 0) throw fail("has step 0");
            long b = starts[i] < 0 ? starts[i] + d : starts[i], e = ends[i] < 0 ? ends[i] + d : ends[i];
            if (s > 0) { b = Math.Clamp(b, 0, d); e = Math.Clamp(e, 0, d); }
            else { b = Math.Clamp(b, -1, d - 1); e = Math.Clamp(e, -1, d - 1); }
            long n = s > 0 ? Math.Max(0, (e - b + s - 1) / s) : Math.Max(0, (b - e + (-s) - 1) / (-s));
            start[a] = b; step[a] = s; count[a] = n;
        }
        return (start, step, count);
    }

    private OnnxValue Slice(NodeProto node)
    {
        var x = Need(node, 0, "input");
        long[] starts, ends;
        long[]? axes, steps;
        if (_opset < 10)
        {
            starts = Ints(node, "starts") ?? throw Fail(node, "has no starts");
            ends = Ints(node, "ends") ?? throw Fail(node, "has no ends");
            axes = Ints(node, "axes");
            steps = null;
        }
        else
        {
            starts = KnownInts(node, 1, "starts");
            ends = KnownInts(node, 2, "ends");
            axes = Get(node, 3) is null ? null : KnownInts(node, 3, "axes");
            steps = Get(node, 4) is null ? null : KnownInts(node, 4, "steps");
        }
        // Ends like INT64_MAX arrive as doubles; clamp before converting back.
        var (start, step, count) = SliceRanges(x.Shape, starts, ends, axes, steps, p => Fail(node, p));
        if (x.Computed && step.Any(s => s < 0)) throw Fail(node, "slices the image's values with a negative step, which Fragility does not run");
        return new OnnxValue(count, x.Element, x.Computed, x.Values is null ? null : OnnxFold.Slice(x.Values, x.Shape, start, step, count));
    }

    private OnnxValue Gather(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "data");
        if (x.Rank == 0) throw Fail(node, "gathers from a scalar");
        int axis = Axis(node, Int(node, "axis", 0), x.Rank);
        var idx = Need(node, 1, "indices");
        double[] raw = Known(node, 1, "indices");
        long d = x.Shape[axis];
        long[] indices = raw.Select(ToLong).Select(v => v < 0 ? v + d : v).ToArray();
        if (indices.Any(v => v < 0 || v >= d)) throw Fail(node, $"gathers indices {Text(raw.Select(v => (long)v).Take(8).ToArray())} from a dimension of size {d}");
        long[] shape = [.. x.Shape[..axis], .. idx.Shape, .. x.Shape[(axis + 1)..]];
        double[]? values = x.Values is null || computed ? null : OnnxFold.Gather(x.Values, x.Shape, indices, idx.Shape, axis, shape);
        return new OnnxValue(shape, x.Element, computed, values);
    }

    /// <summary>The axes of a Squeeze or Unsqueeze (an input since opset 13, an attribute before).</summary>
    private long[]? SqueezeAxes(NodeProto node) =>
        _opset >= 13 ? (Get(node, 1) is null ? null : KnownInts(node, 1, "axes")) : Ints(node, "axes");

    private OnnxValue Squeeze(NodeProto node, bool unsqueeze)
    {
        var x = Need(node, 0, "input");
        long[]? axes = SqueezeAxes(node);
        List<long> shape;
        if (unsqueeze)
        {
            if (axes is null) throw Fail(node, "has no axes");
            int rank = x.Rank + axes.Length;
            var norm = axes.Select(a => (long)Axis(node, a, rank)).ToHashSet();
            if (norm.Count != axes.Length) throw Fail(node, $"repeats an axis in {Text(axes)}");
            shape = [];
            for (int d = 0, k = 0; d < rank; d++) shape.Add(norm.Contains(d) ? 1 : x.Shape[k++]);
        }
        else
        {
            var norm = (axes ?? Enumerable.Range(0, x.Rank).Where(d => x.Shape[d] == 1).Select(d => (long)d).ToArray())
                .Select(a => (long)Axis(node, a, x.Rank)).ToHashSet();
            if (norm.Any(d => x.Shape[d] != 1)) throw Fail(node, $"squeezes axes {Text([.. norm])} of {x.ShapeText}, not all of size 1");
            shape = x.Shape.Where((_, d) => !norm.Contains(d)).ToList();
        }
        return new OnnxValue([.. shape], x.Element, x.Computed, x.Values);
    }

    private OnnxValue Expand(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "input");
        long[] target = KnownInts(node, 1, "shape");
        if (target.Any(s => s < 0)) throw Fail(node, $"expands to {Text(target)}");
        var shape = Broadcast(node, [x.Shape, target]);
        double[]? values = x.Values is null || computed || shape.Aggregate(1L, (a, b) => a * b) > MaxFolded ? null
            : OnnxFold.Elementwise(shape, [(x.Values, x.Shape)], a => a[0]);
        return new OnnxValue(shape, x.Element, computed, values);
    }

    /// <summary>The axes a ReduceMean/ReduceSum reduces (an input for ReduceSum since opset 13, else the attribute;
    /// all when none are given, unless noop_with_empty_axes).</summary>
    public static long[] ReduceAxes(NodeProto node, int opset, int rank, Func<long[]?> fromInput)
    {
        long[]? axes = node.OpType == "ReduceSum" && opset >= 13 || opset >= 18 ? fromInput() : Ints(node, "axes");
        if (axes is null || axes.Length == 0)
            return Int(node, "noop_with_empty_axes", 0) != 0 ? [] : Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        return axes.Select(a => a < 0 ? a + rank : a).ToArray();
    }

    private OnnxValue Reduce(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "input");
        var axes = ReduceAxes(node, _opset, x.Rank, () => Get(node, 1) is null ? null : KnownInts(node, 1, "axes"));
        if (axes.Any(a => a < 0 || a >= x.Rank) || axes.Distinct().Count() != axes.Length) throw Fail(node, $"reduces axes outside {x.ShapeText}");
        bool keep = Int(node, "keepdims", 1) != 0;
        var shape = Enumerable.Range(0, x.Rank).Where(d => keep || !axes.Contains(d)).Select(d => axes.Contains(d) ? 1 : x.Shape[d]).ToArray();
        return new OnnxValue(shape, x.Element, computed, null);
    }

    private OnnxValue Pad(NodeProto node, bool computed)
    {
        var x = Need(node, 0, "input");
        long[] pads = _opset >= 11 ? KnownInts(node, 1, "pads") : Ints(node, "pads") ?? throw Fail(node, "has no pads");
        string mode = Str(node, "mode", "constant");
        long[] axes = Get(node, 3) is null ? Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray()
            : KnownInts(node, 3, "axes").Select(a => (long)Axis(node, a, x.Rank)).ToArray();
        if (pads.Length != 2 * axes.Length) throw Fail(node, $"has {pads.Length} pads for {axes.Length} axes");
        if (mode is not ("constant" or "reflect" or "edge")) throw Fail(node, $"has mode '{mode}'");
        if (Get(node, 2) is { } v && (v.Count != 1 || v.Computed)) throw Fail(node, "has a padding value that is not one fixed number");
        var shape = (long[])x.Shape.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            long a = axes[i], before = pads[i], after = pads[axes.Length + i];
            if (before == 0 && after == 0) continue;
            if (mode != "constant" && (a < x.Rank - 2 || before < 0 || after < 0))
                throw Fail(node, $"pads axis {a} of {x.ShapeText} in mode '{mode}'; Fragility pads the last two axes of an image in that mode");
            if (mode == "reflect" && (before >= x.Shape[a] || after >= x.Shape[a])) throw Fail(node, $"reflects {before}/{after} rows of a dimension of size {x.Shape[a]}");
            shape[a] += before + after;
            if (shape[a] < 1) throw Fail(node, $"crops axis {a} of {x.ShapeText} to nothing");
        }
        return new OnnxValue(shape, x.Element, computed, null);
    }
}
