using Fragility.Models.Import.Onnx;
using Google.Protobuf;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>One evaluated node of an imported ONNX graph.</summary>
/// <param name="Name">Module name (sanitised node name; the state_dict prefix of its weights).</param>
/// <param name="NodeName">The node's name in the ONNX file.</param>
/// <param name="OpType">ONNX operator type.</param>
/// <param name="Inputs">Names of the computed inputs (distinct, in first-use order).</param>
/// <param name="Output">Name of the output value.</param>
/// <param name="Unary">The layer, when the node has one computed input.</param>
/// <param name="Multi">The op, when it has several.</param>
/// <param name="JoinsChannels">True for a Concat of computed tensors along channels (axis 1): the join of a
/// <see cref="ConcatNode"/>.</param>
/// <param name="OrderedInputs">The computed inputs in ONNX order, repeats kept (a Concat's branch order).</param>
internal sealed record OnnxStep(string Name, string NodeName, string OpType, string[] Inputs, string Output,
    nn.Module<Tensor, Tensor>? Unary, OnnxMultiOp? Multi, bool JoinsChannels, string[] OrderedInputs);

/// <summary>What <see cref="OnnxGraphBuilder"/> makes of a ModelProto.</summary>
internal sealed record OnnxBuild(List<OnnxStep> Steps, string InputName, string OutputName, long[] InputShape,
    long OutputClasses, int Opset, bool DroppedFinalSoftmax, List<string> Notes, byte[] StoredGraph);

/// <summary>
/// Translates an ONNX graph (opset 11-17) into TorchSharp layers: standard modules where one expresses the node
/// exactly (Conv2d, Linear, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, BatchNorm2d/1d, and
/// <see cref="SwitchableActivation"/> for every Relu), functional ops otherwise. Unsupported operators are refused
/// with the node's name and type.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>Operators Fragility evaluates.</summary>
    public static readonly string[] Supported =
    [
        "Conv", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "Concat", "Flatten", "Reshape", "Gemm", "MatMul",
        "Add", "Mul", "BatchNormalization", "Dropout", "Softmax", "Clip", "Identity", "Constant",
    ];

    /// <summary>Lowest and highest default-domain opset versions accepted.</summary>
    public const int MinOpset = 11, MaxOpset = 17;

    private readonly ModelProto _model;
    private readonly string _source;
    private readonly bool _stored;
    private readonly int _opset;
    private readonly Dictionary<string, TensorProto> _initializers = [];
    private readonly Dictionary<string, Tensor> _initializerValues = [];
    private readonly HashSet<string> _configInitializers = [];
    private readonly Dictionary<string, OnnxStatic> _constants = [];
    private readonly Dictionary<string, string> _alias = [];
    private readonly HashSet<string> _dynamic = [];
    private readonly Dictionary<string, int?> _rank = [];
    private readonly HashSet<string> _moduleNames = ["onnx_graph"];
    private readonly List<OnnxStep> _steps = [];
    private readonly List<string> _notes = [];
    private readonly List<Tensor> _temporaries = [];

    private OnnxGraphBuilder(ModelProto model, string source, bool stored, int opset)
    {
        _model = model;
        _source = source;
        _stored = stored;
        _opset = opset;
    }

    /// <summary>Parses ONNX bytes; a file that is not a ModelProto gives a one-line error.</summary>
    public static ModelProto Parse(byte[] bytes, string source)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new FragilityException($"'{source}' is not a valid ONNX model ({e.Message.TrimEnd('.')}); it may be truncated. Re-export it with torch.onnx.export or check the download.");
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new FragilityException($"'{source}' holds no ONNX graph (is it an ONNX file?). Re-export it with torch.onnx.export.");
        return model;
    }

    /// <summary>Translates <paramref name="model"/>. With <paramref name="stored"/>, float initializers may lack data
    /// (a graph saved by Fragility, whose weights come from the state_dict) and become zeros.</summary>
    public static OnnxBuild Build(ModelProto model, string source, bool stored)
    {
        int opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => (int)o.Version).DefaultIfEmpty(0).Max();
        if (opset < MinOpset || opset > MaxOpset)
            throw new FragilityException($"'{source}' uses ONNX opset {opset}; Fragility reads opsets {MinOpset}-{MaxOpset}. Re-export with torch.onnx.export(..., opset_version=13).");
        var builder = new OnnxGraphBuilder(model, source, stored, opset);
        try { return builder.Run(); }
        catch
        {
            foreach (var s in builder._steps) { s.Unary?.Dispose(); s.Multi?.Dispose(); }
            throw;
        }
        finally
        {
            foreach (var t in builder._initializerValues.Values) t.Dispose();
            foreach (var t in builder._temporaries) t.Dispose();
        }
    }

    private OnnxBuild Run()
    {
        var g = _model.Graph;
        foreach (var init in g.Initializer) _initializers[init.Name] = init;
        var inputs = g.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new FragilityException($"'{_source}' has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => i.Name))}); Fragility feeds one image tensor [N, C, H, W]. Export the model with a single input.");
        if (g.Output.Count == 0) throw new FragilityException($"'{_source}' declares no graph output. Re-export the model.");
        string inputName = inputs[0].Name;
        long[] inputShape = Shape(inputs[0]);
        string outputName = g.Output[0].Name;
        if (g.Output.Count > 1) _notes.Add($"the graph has {g.Output.Count} outputs; using the first, '{outputName}'");
        _dynamic.Add(inputName);
        _rank[inputName] = inputShape.Length == 0 ? null : inputShape.Length;

        var nodes = Needed(g, outputName);
        var finalSoftmax = FinalSoftmax(nodes, outputName);
        foreach (var (node, index) in Ordered(nodes, inputName)) Translate(node, index, node == finalSoftmax);

        string output = Canonical(outputName);
        if (!_dynamic.Contains(output))
            throw new FragilityException($"'{_source}': the graph output '{outputName}' does not depend on the input. Re-export the model.");
        long classes = Shape(g.Output[0]) is { Length: 2 } os && os[1] > 0 ? os[1] : -1;
        if (finalSoftmax is not null)
            _notes.Add($"dropped the final Softmax (node '{finalSoftmax.Name}') so that scores are logits, as explanations need");
        return new OnnxBuild(_steps, inputName, output, inputShape, classes, _opset, finalSoftmax is not null, _notes, StoredGraph());
    }

    // ---- graph structure -------------------------------------------------------------------------------------

    private static long[] Shape(ValueInfoProto v)
    {
        var t = v.Type?.TensorType;
        if (t?.Shape is null) return [];
        return t.Shape.Dim.Select(d => d.HasDimValue && d.DimValue > 0 ? d.DimValue : -1L).ToArray();
    }

    private List<NodeProto> Needed(GraphProto g, string output)
    {
        var producer = new Dictionary<string, NodeProto>();
        foreach (var n in g.Node)
            foreach (var o in n.Output.Where(o => o.Length > 0))
                if (!producer.TryAdd(o, n)) throw new FragilityException($"'{_source}': value '{o}' is produced by two nodes; the graph is invalid. Re-export the model.");
        var needed = new HashSet<NodeProto>();
        var work = new Stack<string>([output]);
        while (work.Count > 0)
        {
            string v = work.Pop();
            if (!producer.TryGetValue(v, out var n) || !needed.Add(n)) continue;
            foreach (var i in n.Input.Where(i => i.Length > 0)) work.Push(i);
        }
        if (!producer.ContainsKey(output) && !g.Input.Any(i => i.Name == output))
            throw new FragilityException($"'{_source}': no node produces the graph output '{output}'. Re-export the model.");
        return g.Node.Where(needed.Contains).ToList();
    }

    private static NodeProto? FinalSoftmax(List<NodeProto> nodes, string output)
    {
        // Walk back from the output through nodes that only pass values on.
        var producer = nodes.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        string v = output;
        while (producer.TryGetValue(v, out var n))
        {
            // Dropped only when nothing but the output path reads the probabilities.
            if (n.OpType == "Softmax" && n.Domain is "" or "ai.onnx")
                return nodes.Count(m => m.Input.Contains(v)) <= 1 ? n : null;
            if (n.OpType is not ("Identity" or "Dropout") || nodes.Count(m => m.Input.Contains(n.Input[0])) != 1) return null;
            v = n.Input[0];
        }
        return null;
    }

    private IEnumerable<(NodeProto, int)> Ordered(List<NodeProto> nodes, string input)
    {
        // ONNX stores nodes in topological order; sort anyway, so a hand-edited file still works.
        var available = new HashSet<string>(_initializers.Keys) { input };
        var pending = nodes.Select((n, i) => (n, i)).ToList();
        while (pending.Count > 0)
        {
            var ready = pending.FirstOrDefault(p => p.n.Input.All(i => i.Length == 0 || available.Contains(i)));
            if (ready.n is null)
                throw new FragilityException($"'{_source}': node '{pending[0].n.Name}' ({pending[0].n.OpType}) needs values no node produces (or the graph has a cycle). Re-export the model.");
            pending.Remove(ready);
            foreach (var o in ready.n.Output) available.Add(o);
            yield return ready;
        }
    }

    private string Canonical(string name)
    {
        while (_alias.TryGetValue(name, out var a)) name = a;
        return name;
    }

    // ---- operands --------------------------------------------------------------------------------------------

    private sealed record Operand(string Name, bool IsDynamic, OnnxStatic? Static);

    private Operand? In(NodeProto node, int i)
    {
        if (i >= node.Input.Count || node.Input[i].Length == 0) return null;
        string name = Canonical(node.Input[i]);
        if (_dynamic.Contains(name)) return new Operand(name, true, null);
        if (_constants.TryGetValue(name, out var c)) return new Operand(name, false, c);
        if (_initializers.TryGetValue(name, out var init))
        {
            if (!_initializerValues.TryGetValue(name, out var value))
                _initializerValues[name] = value = OnnxTensors.ToTensor(init, _source, zerosIfEmpty: _stored);
            return new Operand(name, false, new OnnxStatic(value, OnnxTensors.IsFloat(init), name));
        }
        throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) reads '{name}', which nothing defines. Re-export the model.");
    }

    private Operand Required(NodeProto node, int i) => In(node, i) ?? throw Unsupported(node, $"lacks its input #{i + 1}");

    private Operand Dynamic(NodeProto node, int i, string role)
    {
        var op = In(node, i);
        if (op is not { IsDynamic: true })
            throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) has a constant {role}; Fragility needs it computed from the input. Simplify the model (onnx-simplifier) or re-export it.");
        return op;
    }

    private Tensor Weight(NodeProto node, int i, string role)
    {
        var op = In(node, i);
        if (op is not { IsDynamic: false, Static: { } s })
            throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) computes its {role} from the input; Fragility needs it stored in the file. Re-export the model with constant weights.");
        return s.Value;
    }

    /// <summary>A fixed operand read as configuration (kept with its data in the stored graph).</summary>
    private Tensor Config(NodeProto node, int i, string role)
    {
        var op = In(node, i);
        if (op is not { IsDynamic: false, Static: { } s })
            throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) computes its {role} from the input, which Fragility does not support. Re-export the model with a constant {role}.");
        _configInitializers.Add(op.Name);
        return s.Value;
    }

    private static AttributeProto? Attr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name);

    private static long Int(NodeProto n, string name, long fallback) => Attr(n, name) is { } a ? a.I : fallback;

    private static float Float(NodeProto n, string name, float fallback) => Attr(n, name) is { } a ? a.F : fallback;

    private static long[]? Ints(NodeProto n, string name) => Attr(n, name)?.Ints.ToArray();

    private static string Str(NodeProto n, string name, string fallback) => Attr(n, name) is { } a ? a.S.ToStringUtf8() : fallback;

    // ---- translation -----------------------------------------------------------------------------------------

    private void Translate(NodeProto node, int index, bool dropAsFinalSoftmax)
    {
        string op = node.OpType;
        if (node.Domain is not ("" or "ai.onnx") || !Supported.Contains(op))
            throw new FragilityException($"'{_source}': node '{node.Name}' uses operator '{(node.Domain is "" or "ai.onnx" ? op : node.Domain + "." + op)}', which Fragility does not support (supported: {string.Join(", ", Supported)}). Remove or replace it and re-export the model.");
        // Only the first output of any supported node is a tensor Fragility computes (Dropout's mask, MaxPool's
        // indices and BatchNormalization's training statistics are refused when something reads them).
        for (int k = 1; k < node.Output.Count; k++)
        {
            string extra = node.Output[k];
            if (extra.Length > 0 && (_model.Graph.Node.Any(n => n.Input.Contains(extra)) || _model.Graph.Output.Any(o => o.Name == extra)))
                throw new FragilityException($"'{_source}': node '{node.Name}' ({op}) has its output #{k + 1} used; Fragility computes only the first output of {op}. Re-export the model for inference (model.eval()).");
        }
        string output = node.Output[0];
        string name = OnnxNames.Unique(OnnxNames.Sanitize(node.Name, $"{op}_{index}"), _moduleNames);

        switch (op)
        {
            case "Constant":
                _constants[output] = new OnnxStatic(ConstantValue(node), false, output);
                return;
            case "Identity":
            case "Dropout":
                if (op == "Dropout" && In(node, 2) is not null && Scalar(node, Config(node, 2, "training_mode")) != 0)
                    throw new FragilityException($"'{_source}': node '{node.Name}' (Dropout) runs in training mode. Re-export the model after model.eval().");
                // Pass-through of a computed tensor or of a weight (torch's export shares initializers this way).
                Alias(output, In(node, 0)?.Name ?? throw Unsupported(node, "has no input"));
                return;
            case "Softmax" when dropAsFinalSoftmax:
                Alias(output, Dynamic(node, 0, "input").Name);
                return;
        }

        var x = In(node, 0);
        int? rank = x is { IsDynamic: true } ? _rank.GetValueOrDefault(x.Name) : null;
        switch (op)
        {
            case "Relu":
                AddUnary(node, name, Dynamic(node, 0, "input"), new SwitchableActivation(name), rank);
                break;
            case "Conv":
                AddUnary(node, name, Dynamic(node, 0, "input"), Conv(node, name), rank);
                break;
            case "MaxPool":
            case "AveragePool":
                AddUnary(node, name, Dynamic(node, 0, "input"), Pool(node, name, op == "MaxPool"), rank);
                break;
            case "GlobalAveragePool":
                if (rank is not (null or 4)) throw Unsupported(node, $"on a rank-{rank} tensor (only images [N, C, H, W])");
                AddUnary(node, name, Dynamic(node, 0, "input"), nn.AdaptiveAvgPool2d(1), rank);
                break;
            case "BatchNormalization":
                AddUnary(node, name, Dynamic(node, 0, "input"), BatchNorm(node, name, rank), rank);
                break;
            case "Flatten":
            {
                long axis = Int(node, "axis", 1);
                var layer = axis == 1 ? (nn.Module<Tensor, Tensor>)nn.Flatten(1, -1)
                    : new OnnxUnaryOp(name, op, [], (t, _) => FlattenAt(t, axis));
                AddUnary(node, name, Dynamic(node, 0, "input"), layer, 2);
                break;
            }
            case "Reshape":
            {
                var shapeTensor = Config(node, 1, "shape");
                if (shapeTensor.dtype != ScalarType.Int64 || shapeTensor.dim() != 1) throw Unsupported(node, "has a shape that is not a 1-D int64 tensor");
                long[] shape = shapeTensor.data<long>().ToArray();
                bool allowZero = Int(node, "allowzero", 0) != 0;
                var layer = !allowZero && shape.SequenceEqual([0L, -1L]) ? (nn.Module<Tensor, Tensor>)nn.Flatten(1, -1)
                    : new OnnxUnaryOp(name, op, [], (t, _) => t.reshape(shape.Select((s, i) => s == 0 && !allowZero ? t.shape[i] : s).ToArray()));
                AddUnary(node, name, Dynamic(node, 0, "input"), layer, shape.Length);
                break;
            }
            case "Softmax":
            {
                long axis = Int(node, "axis", _opset >= 13 ? -1 : 1);
                AddUnary(node, name, Dynamic(node, 0, "input"), new OnnxUnaryOp(name, op, [], (t, _) => Softmax(t, axis, _opset)), rank);
                break;
            }
            case "Clip":
                AddUnary(node, name, Dynamic(node, 0, "input"), Clip(node, name), rank);
                break;
            case "Gemm":
                Gemm(node, name);
                break;
            case "MatMul":
                MatMul(node, name);
                break;
            case "Add":
                Elementwise(node, name, a => a[0] + a[1]);
                break;
            case "Mul":
                Elementwise(node, name, a => a[0] * a[1]);
                break;
            case "Concat":
                Concat(node, name);
                break;
        }
    }

    private FragilityException Unsupported(NodeProto node, string what) =>
        new($"'{_source}': node '{node.Name}' ({node.OpType}) {what}, which Fragility does not support. Re-export the model without it.");

    private void Alias(string output, string input)
    {
        _alias[output] = input;
    }

    private void AddUnary(NodeProto node, string name, Operand x, nn.Module<Tensor, Tensor> layer, int? outRank)
    {
        _steps.Add(new OnnxStep(name, node.Name, node.OpType, [x.Name], node.Output[0], layer, null, false, [x.Name]));
        _dynamic.Add(node.Output[0]);
        _rank[node.Output[0]] = outRank;
    }

    private Tensor ConstantValue(NodeProto node)
    {
        if (Attr(node, "value") is { T: { } t }) return OnnxTensors.ToTensor(t, _source);
        if (Attr(node, "value_float") is { } f) return torch.tensor(f.F);
        if (Attr(node, "value_floats") is { } fs) return torch.tensor(fs.Floats.ToArray());
        if (Attr(node, "value_int") is { } i) return torch.tensor(i.I);
        if (Attr(node, "value_ints") is { } iss) return torch.tensor(iss.Ints.ToArray());
        throw Unsupported(node, "holds a sparse or string constant");
    }

    // Spatial attributes: ONNX pads are [h_begin, w_begin, h_end, w_end].
    private (long[] Kernel, long[] Strides, long[] Pads, long[] Dilations, string AutoPad) Spatial(NodeProto node, long[]? kernelFromWeight)
    {
        long[] kernel = Ints(node, "kernel_shape") ?? kernelFromWeight ?? throw Unsupported(node, "has no kernel_shape");
        if (kernel.Length != 2) throw Unsupported(node, $"is {kernel.Length}-dimensional (only 2-D images)");
        long[] strides = Ints(node, "strides") ?? [1, 1];
        long[] pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        long[] dilations = Ints(node, "dilations") ?? [1, 1];
        string autoPad = Str(node, "auto_pad", "NOTSET");
        if (autoPad == "") autoPad = "NOTSET";
        if (strides.Length != 2 || pads.Length != 4 || dilations.Length != 2) throw Unsupported(node, "has malformed strides, pads or dilations");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER")) throw Unsupported(node, $"has auto_pad '{autoPad}'");
        if (autoPad == "VALID") pads = [0, 0, 0, 0];
        return (kernel, strides, pads, dilations, autoPad);
    }

    /// <summary>Explicit pads for auto_pad SAME_*, from the input's size (ONNX's formula).</summary>
    private static long[] SamePads(Tensor x, long[] kernel, long[] strides, long[] dilations, bool upper)
    {
        if (x.dim() != 4) throw new FragilityException($"auto_pad SAME needs an image tensor [N, C, H, W], got [{string.Join(",", x.shape)}]. Check the input size.");
        var pads = new long[4];
        for (int i = 0; i < 2; i++)
        {
            long size = x.shape[2 + i];
            long outSize = (size + strides[i] - 1) / strides[i];
            long total = Math.Max(0, (outSize - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
            long small = total / 2, big = total - small;
            pads[i] = upper ? small : big;
            pads[2 + i] = upper ? big : small;
        }
        return pads;
    }

    private static Tensor Pad(Tensor x, long[] pads, double value) =>
        pads.All(p => p == 0) ? x.alias() : nn.functional.pad(x, [pads[1], pads[3], pads[0], pads[2]], PaddingModes.Constant, value);

    private nn.Module<Tensor, Tensor> Conv(NodeProto node, string name)
    {
        var w = Weight(node, 1, "weight");
        if (w.dim() != 4) throw Unsupported(node, $"has a rank-{w.dim()} weight (only 2-D convolutions)");
        var b = In(node, 2) is null ? null : Weight(node, 2, "bias");
        var (kernel, strides, pads, dilations, autoPad) = Spatial(node, [w.shape[2], w.shape[3]]);
        long group = Int(node, "group", 1);
        if (!kernel.SequenceEqual(w.shape.Skip(2))) throw Unsupported(node, "has a kernel_shape that differs from its weight");
        bool symmetric = autoPad is "NOTSET" or "VALID" && pads[0] == pads[2] && pads[1] == pads[3];
        if (symmetric)
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
            long[] p = autoPad.StartsWith("SAME", StringComparison.Ordinal) ? SamePads(x, kernel, strides, dilations, autoPad == "SAME_UPPER") : pads;
            using var padded = Pad(x, p, 0.0);
            return nn.functional.conv2d(padded, s(0), b is null ? null : s(1), strides, [0, 0], dilations, group);
        });
    }

    private nn.Module<Tensor, Tensor> Pool(NodeProto node, string name, bool max)
    {
        var (kernel, strides, pads, dilations, autoPad) = Spatial(node, null);
        bool ceil = Int(node, "ceil_mode", 0) != 0;
        bool countPad = Int(node, "count_include_pad", 0) != 0;
        if (!max && dilations.Any(d => d != 1)) throw Unsupported(node, "has dilations");
        // torch's pooling modules take symmetric padding of at most half the kernel.
        bool moduleFits = autoPad is "NOTSET" or "VALID" && pads[0] == pads[2] && pads[1] == pads[3] && 2 * pads[0] <= kernel[0] && 2 * pads[1] <= kernel[1];
        if (moduleFits)
            return max
                ? nn.MaxPool2d((kernel[0], kernel[1]), (strides[0], strides[1]), (pads[0], pads[1]), (dilations[0], dilations[1]), ceil)
                : nn.AvgPool2d((kernel[0], kernel[1]), (strides[0], strides[1]), (pads[0], pads[1]), ceil, countPad);
        return new OnnxUnaryOp(name, node.OpType, [], (x, _) =>
        {
            long[] p = autoPad.StartsWith("SAME", StringComparison.Ordinal) ? SamePads(x, kernel, strides, dilations, autoPad == "SAME_UPPER") : pads;
            if (max)
            {
                using var padded = Pad(x, p, double.NegativeInfinity);
                return nn.functional.max_pool2d(padded, kernel, strides, [0, 0], dilations, ceil);
            }
            using var xp = Pad(x, p, 0.0);
            if (countPad) return nn.functional.avg_pool2d(xp, kernel, strides, [0, 0], ceil, true);
            // Average over real pixels only: window sums divided by window counts of a padded mask of ones.
            using var ones = torch.ones(1, 1, x.shape[2], x.shape[3], x.dtype);
            using var mask = Pad(ones, p, 0.0);
            using var sums = nn.functional.avg_pool2d(xp, kernel, strides, [0, 0], ceil, true, 1);
            using var counts = nn.functional.avg_pool2d(mask, kernel, strides, [0, 0], ceil, true, 1);
            return sums / counts;
        });
    }

    private nn.Module<Tensor, Tensor> BatchNorm(NodeProto node, string name, int? rank)
    {
        if (Int(node, "training_mode", 0) != 0)
            throw new FragilityException($"'{_source}': node '{node.Name}' (BatchNormalization) runs in training mode. Re-export the model after model.eval().");
        double eps = Float(node, "epsilon", 1e-5f);
        Tensor scale = Weight(node, 1, "scale"), bias = Weight(node, 2, "bias"), mean = Weight(node, 3, "mean"), variance = Weight(node, 4, "variance");
        if (new[] { scale, bias, mean, variance }.Any(t => t.dim() != 1 || t.shape[0] != scale.shape[0]))
            throw Unsupported(node, "has scale, bias, mean and variance that are not vectors of one length");
        long c = scale.shape[0];
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
            (x, s) => nn.functional.batch_norm(x, s(2), s(3), s(0), s(1), false, 0.0, eps));
    }

    private nn.Module<Tensor, Tensor> Clip(NodeProto node, string name)
    {
        double lo, hi;
        if (_opset < 11 || Attr(node, "min") is not null || Attr(node, "max") is not null)
        {
            lo = Float(node, "min", float.NegativeInfinity);
            hi = Float(node, "max", float.PositiveInfinity);
        }
        else
        {
            lo = In(node, 1) is null ? double.NegativeInfinity : Scalar(node, Config(node, 1, "min"));
            hi = In(node, 2) is null ? double.PositiveInfinity : Scalar(node, Config(node, 2, "max"));
        }
        // Not nn.Hardtanh: TorchSharp 0.107's Hardtanh module and functional.hardtanh return their input unchanged.
        return new OnnxUnaryOp(name, "Clip", [], (x, _) =>
            double.IsFinite(lo) && double.IsFinite(hi) ? x.clamp(lo, hi) : double.IsFinite(lo) ? x.clamp_min(lo) : double.IsFinite(hi) ? x.clamp_max(hi) : x.alias());
    }

    private double Scalar(NodeProto node, Tensor t)
    {
        if (t.numel() != 1) throw Unsupported(node, "has a bound with more than one value");
        using var d = t.to(ScalarType.Float64);
        return d.reshape(1).item<double>();
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

    private void Gemm(NodeProto node, string name)
    {
        float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
        bool transA = Int(node, "transA", 0) != 0, transB = Int(node, "transB", 0) != 0;
        Operand a = Required(node, 0), b = Required(node, 1);
        var c = In(node, 2);
        // Gemm(x, W, c) with fixed W and a per-output bias is a Linear layer: weight alpha*W', bias beta*c.
        if (a.IsDynamic && !transA && !b.IsDynamic && b.Static!.Value.dim() == 2 && (c is null || !c.IsDynamic))
        {
            var w = b.Static.Value;
            long n = transB ? w.shape[0] : w.shape[1];
            Tensor? bias = null;
            if (c is not null)
            {
                var cv = c.Static!.Value;
                if (cv.numel() == n && (cv.dim() == 1 || cv.dim() == 2 && cv.shape[0] == 1)) bias = Temp((cv.reshape(n) * beta).to(ScalarType.Float32));
                else if (cv.numel() == 1) bias = Temp((torch.ones(n) * cv.reshape(1).to(ScalarType.Float32) * beta));
            }
            if (c is null || bias is not null)
            {
                using var weight = ((transB ? w : w.t()) * alpha).contiguous();
                var linear = nn.Linear(new Parameter(weight.to(ScalarType.Float32).clone()), bias is null ? null : new Parameter(bias.clone()));
                AddUnary(node, name, a, linear, 2);
                return;
            }
        }
        string where = $"node '{node.Name}' (Gemm)";
        General(node, name, [a, b, .. c is null ? Array.Empty<Operand>() : [c]], 2, args =>
        {
            if (args[0].dim() != 2 || args[1].dim() != 2)
                throw new FragilityException($"{where} needs 2-D operands, got [{string.Join(",", args[0].shape)}] and [{string.Join(",", args[1].shape)}]; check the input size.");
            using var ta = transA ? args[0].t() : args[0].alias();
            using var tb = transB ? args[1].t() : args[1].alias();
            using var ab = CheckedMatMul(ta, tb, where);
            if (args.Length < 3) return ab * alpha;
            using var scaled = ab * alpha;
            return scaled + args[2] * beta;
        });
    }

    private void MatMul(NodeProto node, string name)
    {
        Operand a = Required(node, 0), b = Required(node, 1);
        // x @ W with a fixed 2-D W is a Linear layer without bias (weight W^T).
        if (a.IsDynamic && !b.IsDynamic && b.Static!.Value.dim() == 2)
        {
            using var weight = b.Static.Value.t().contiguous();
            AddUnary(node, name, a, nn.Linear(new Parameter(weight.to(ScalarType.Float32).clone()), null), _rank.GetValueOrDefault(a.Name));
            return;
        }
        string where = $"node '{node.Name}' (MatMul)";
        General(node, name, [a, b], null, args => CheckedMatMul(args[0], args[1], where));
    }

    /// <summary>matmul after checking the shapes: libtorch's matmul aborts the process on a mismatch instead of
    /// throwing (platform.md), so a model that does not fit its input must be stopped here.</summary>
    private static Tensor CheckedMatMul(Tensor a, Tensor b, string where)
    {
        long[] sa = a.shape, sb = b.shape;
        bool ok = sa.Length >= 1 && sb.Length >= 1 && sa[^1] == (sb.Length == 1 ? sb[0] : sb[^2]);
        // Batch dimensions (all but the last two) must broadcast.
        long[] ba = sa.Length > 2 ? sa[..^2] : [], bb = sb.Length > 2 ? sb[..^2] : [];
        for (int i = 1; ok && i <= Math.Min(ba.Length, bb.Length); i++)
            ok = ba[^i] == bb[^i] || ba[^i] == 1 || bb[^i] == 1;
        if (!ok)
            throw new FragilityException($"{where} cannot multiply [{string.Join(",", sa)}] by [{string.Join(",", sb)}]; the model does not fit this input size. Check --preprocess or --input-size.");
        return a.matmul(b);
    }

    private void Elementwise(NodeProto node, string name, Func<Tensor[], Tensor> f) =>
        General(node, name, [Required(node, 0), Required(node, 1)], null, f);

    private void Concat(NodeProto node, string name)
    {
        long axis = Attr(node, "axis")?.I ?? throw Unsupported(node, "has no axis");
        var operands = Enumerable.Range(0, node.Input.Count).Select(i => In(node, i)).OfType<Operand>().ToList();
        int? rank = operands.Where(o => o.IsDynamic).Select(o => _rank.GetValueOrDefault(o.Name)).FirstOrDefault();
        bool channels = axis == 1 || rank is { } r && axis + r == 1;
        General(node, name, operands, rank, args => torch.cat(args, axis), joinsChannels: channels && operands.All(o => o.IsDynamic));
    }

    /// <summary>A node evaluated functionally over operands in ONNX order: one computed input makes a layer,
    /// several make a multi-input op, none is folded into a constant now.</summary>
    private void General(NodeProto node, string name, List<Operand> operands, int? outRank, Func<Tensor[], Tensor> f, bool joinsChannels = false)
    {
        var dynamicNames = operands.Where(o => o.IsDynamic).Select(o => o.Name).Distinct().ToArray();
        var statics = operands.Where(o => !o.IsDynamic).Select(o => o.Static!).ToList();
        var slots = new (bool Dynamic, int Index)[operands.Count];
        for (int i = 0, s = 0; i < operands.Count; i++)
            slots[i] = operands[i].IsDynamic ? (true, Array.IndexOf(dynamicNames, operands[i].Name)) : (false, s++);
        outRank ??= operands.Select(o => o.IsDynamic ? _rank.GetValueOrDefault(o.Name) : (int)o.Static!.Value.dim()).Aggregate((int?)0, (m, r) => m is null || r is null ? null : Math.Max(m.Value, r.Value));
        string output = node.Output[0];
        string[] ordered = operands.Where(o => o.IsDynamic).Select(o => o.Name).ToArray();
        if (dynamicNames.Length == 0)
        {
            foreach (var o in operands) if (_initializers.ContainsKey(o.Name)) _configInitializers.Add(o.Name);
            var value = f(statics.Select(s => s.Value).ToArray());
            _constants[output] = new OnnxStatic(Temp(value), false, output);
            return;
        }
        if (dynamicNames.Length == 1)
        {
            var layer = new OnnxUnaryOp(name, node.OpType, statics, (x, s) => f(slots.Select(sl => sl.Dynamic ? x : s(sl.Index)).ToArray()));
            _steps.Add(new OnnxStep(name, node.Name, node.OpType, dynamicNames, output, layer, null, false, ordered));
        }
        else
        {
            var multi = new OnnxMultiOp(name, node.OpType, statics, (xs, s) => f(slots.Select(sl => sl.Dynamic ? xs[sl.Index] : s(sl.Index)).ToArray()));
            _steps.Add(new OnnxStep(name, node.Name, node.OpType, dynamicNames, output, null, multi, joinsChannels, ordered));
        }
        _dynamic.Add(output);
        _rank[output] = outRank;
    }

    private Tensor Temp(Tensor t)
    {
        _temporaries.Add(t);
        return t;
    }

    /// <summary>The model with the data of weight initializers removed (they travel in the state_dict).</summary>
    private byte[] StoredGraph()
    {
        var copy = _model.Clone();
        foreach (var init in copy.Graph.Initializer)
        {
            if (!OnnxTensors.IsFloat(init) || _configInitializers.Contains(init.Name)) continue;
            init.ClearRawData();
            init.FloatData.Clear();
            init.DoubleData.Clear();
            init.Int32Data.Clear();
        }
        return copy.ToByteArray();
    }
}
