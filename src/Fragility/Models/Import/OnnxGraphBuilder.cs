using Fragility.Models.Import.Onnx;
using Google.Protobuf;
using TorchSharp;
using static Fragility.Models.Import.OnnxAttributes;
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
/// Translates an ONNX graph (opset 11-17, a fixed image size, any batch size) into TorchSharp layers. First
/// <see cref="OnnxShapeInference"/> checks every node's shapes in C# and folds the shape arithmetic, at batch
/// sizes 1 and 2 (what differs between the two is the batch dimension, kept symbolic). Then each node whose value
/// depends on the image becomes a step: a standard module where one expresses the node exactly (Conv2d, Linear,
/// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, BatchNorm2d/1d, <see cref="SwitchableActivation"/> for Relu,
/// <see cref="OnnxPiecewiseLinear"/> for the other piecewise-linear activations), a functional op otherwise.
/// The translation of each operator family lives in its own part of this class (Layers, Tensors, Activations).
/// Unsupported operators are refused with the node's name and type.
/// </summary>
internal sealed partial class OnnxGraphBuilder
{
    /// <summary>Operators Fragility evaluates.</summary>
    public static readonly string[] Supported =
    [
        // layers
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "LayerNormalization", "Gemm", "MatMul",
        // activations and elementwise math
        "Relu", "LeakyRelu", "PRelu", "Clip", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "Erf", "Softplus", "Softmax",
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Abs", "Neg", "Exp", "Log", "Reciprocal", "ReduceMean", "ReduceSum",
        // tensor layout
        "Flatten", "Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "Squeeze", "Unsqueeze", "Expand", "Pad",
        "Identity", "Dropout", "Constant",
        // shape arithmetic, folded at import
        "Shape", "ConstantOfShape", "Range", "Cast", "Equal", "Less", "Greater", "Where", "Floor", "Ceil", "Mod",
    ];

    /// <summary>Lowest and highest default-domain opset versions accepted.</summary>
    public const int MinOpset = 11, MaxOpset = 17;

    private readonly ModelProto _model;
    private readonly string _source;
    private readonly string? _folder;
    private readonly bool _stored;
    private readonly int _opset;
    private readonly Dictionary<string, TensorProto> _initializers = [];
    private readonly Dictionary<string, Tensor> _initializerValues = [];
    private readonly HashSet<string> _configInitializers = [];
    private readonly Dictionary<string, OnnxStatic> _constants = [];
    private readonly Dictionary<string, string> _alias = [];
    private readonly HashSet<string> _moduleNames = ["onnx_graph"];
    private readonly List<OnnxStep> _steps = [];
    private readonly List<string> _notes = [];
    private readonly List<Tensor> _temporaries = [];
    private IReadOnlyDictionary<string, OnnxValue> _one = null!, _two = null!;
    private string _input = "";

    private OnnxGraphBuilder(ModelProto model, string source, string? folder, bool stored, int opset)
    {
        _model = model;
        _source = source;
        _folder = folder;
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
    /// (a graph saved by Fragility, whose weights come from the state_dict) and become zeros.
    /// <paramref name="folder"/> is where external data may be read (the model file's folder), null for none.</summary>
    public static OnnxBuild Build(ModelProto model, string source, bool stored, string? folder = null)
    {
        int opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => (int)o.Version).DefaultIfEmpty(0).Max();
        if (opset < MinOpset || opset > MaxOpset)
            throw new FragilityException($"'{source}' uses ONNX opset {opset}; Fragility reads opsets {MinOpset}-{MaxOpset}. Re-export with torch.onnx.export(..., opset_version=13).");
        var builder = new OnnxGraphBuilder(model, source, folder, stored, opset);
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
        foreach (var init in g.Initializer)
            if (!_initializers.TryAdd(init.Name, init)) throw new FragilityException($"'{_source}': initializer '{init.Name}' is defined twice; the graph is invalid. Re-export the model.");
        var inputs = g.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new FragilityException($"'{_source}' has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => i.Name))}); Fragility feeds one image tensor [N, C, H, W]. Export the model with a single input.");
        if (g.Output.Count == 0) throw new FragilityException($"'{_source}' declares no graph output. Re-export the model.");
        _input = inputs[0].Name;
        long[] inputShape = Shape(inputs[0]);
        if (inputShape.Length != 4 || inputShape.Skip(1).Any(d => d <= 0))
            throw new FragilityException($"'{_source}' declares its input '{_input}' as [{string.Join(",", inputShape.Select(d => d < 0 ? "?" : d.ToString()))}]; Fragility needs images [N, C, H, W] with fixed C, H and W. Re-export with a fixed image size (dynamic_axes only on the batch dimension).");
        string outputName = g.Output[0].Name;
        if (g.Output.Count > 1) _notes.Add($"the graph has {g.Output.Count} outputs; using the first, '{outputName}'");

        var nodes = Ordered(Needed(g, outputName));
        // Shapes for one and for two images: what differs is the batch dimension, which stays symbolic.
        _one = OnnxShapeInference.Run(nodes, _initializers, _input, [1, .. inputShape[1..]], _opset, _source, _folder);
        try { _two = OnnxShapeInference.Run(nodes, _initializers, _input, [2, .. inputShape[1..]], _opset, _source, _folder); }
        catch (FragilityException e)
        {
            throw new FragilityException($"'{_source}' runs one image but not a batch of two, so it fixes its batch size ({e.Message.Replace($"'{_source}': ", "").TrimEnd('.')}). Re-export the model with a dynamic batch (dynamic_axes={{'input': {{0: 'batch'}}}}).");
        }
        var finalSoftmax = FinalSoftmax(nodes, outputName);
        int index = 0;
        foreach (var node in nodes) Translate(node, index++, node == finalSoftmax);

        string output = Canonical(outputName);
        if (!Runtime(output))
            throw new FragilityException($"'{_source}': the graph output '{outputName}' does not depend on the input. Re-export the model.");
        var outDims = Dims(output, null);
        if (outDims.Length != 2 || !outDims[0].PerImage || outDims[0].Size != 1 || outDims[1].PerImage)
            throw new FragilityException($"'{_source}': the graph output '{outputName}' has shape {_one[output].ShapeText} for one image and {_two[output].ShapeText} for two; Fragility needs scores [N, classes]. Re-export the model with a dynamic batch (dynamic_axes={{'input': {{0: 'batch'}}}}) and class scores as output.");
        if (finalSoftmax is not null)
            _notes.Add($"dropped the final Softmax (node '{finalSoftmax.Name}') so that scores are logits, as explanations need");
        return new OnnxBuild(_steps, _input, output, inputShape, outDims[1].Size, _opset, finalSoftmax is not null, _notes, StoredGraph());
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
                if (!producer.TryAdd(o, n) || _initializers.ContainsKey(o)) throw new FragilityException($"'{_source}': value '{o}' is defined twice (by two nodes, or by a node and an initializer); the graph is invalid. Re-export the model.");
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
            if (n.OpType == "Softmax" && DefaultDomain(n))
                return nodes.Count(m => m.Input.Contains(v)) <= 1 ? n : null;
            if (n.OpType is not ("Identity" or "Dropout") || nodes.Count(m => m.Input.Contains(n.Input[0])) != 1) return null;
            v = n.Input[0];
        }
        return null;
    }

    /// <summary>The nodes in an order where every input is defined first (ONNX stores them so; a hand-edited file may
    /// not). A value nothing defines and a cycle are refused separately, naming a node.</summary>
    private List<NodeProto> Ordered(List<NodeProto> nodes)
    {
        var produced = nodes.SelectMany(n => n.Output).Where(o => o.Length > 0).ToHashSet();
        foreach (var n in nodes)
            foreach (var i in n.Input.Where(i => i.Length > 0))
                if (i != _input && !_initializers.ContainsKey(i) && !produced.Contains(i))
                    throw new FragilityException($"'{_source}': node '{n.Name}' ({n.OpType}) reads '{i}', which no node, initializer or input defines (a missing initializer?). Re-export the model.");
        var available = new HashSet<string>(_initializers.Keys) { _input };
        var pending = new List<NodeProto>(nodes);
        var ordered = new List<NodeProto>();
        while (pending.Count > 0)
        {
            int k = pending.FindIndex(n => n.Input.All(i => i.Length == 0 || available.Contains(i)));
            if (k < 0)
                throw new FragilityException($"'{_source}': the graph has a cycle through node '{pending[0].Name}' ({pending[0].OpType}); an ONNX graph must be acyclic. Re-export the model.");
            var ready = pending[k];
            pending.RemoveAt(k);
            foreach (var o in ready.Output) available.Add(o);
            ordered.Add(ready);
        }
        return ordered;
    }

    private string Canonical(string name)
    {
        while (_alias.TryGetValue(name, out var a)) name = a;
        return name;
    }

    // ---- values ----------------------------------------------------------------------------------------------

    /// <summary>Whether a value is evaluated when the network runs: it depends on the image, or its shape depends on
    /// the batch size (a class token expanded to N copies).</summary>
    private bool Runtime(string name) => _one[name].Computed || !_one[name].Shape.SequenceEqual(_two[name].Shape);

    /// <summary>The shape of a runtime value with its batch dimensions symbolic; refused when a dimension does not
    /// scale with N (a graph that fixes the batch size somewhere).</summary>
    private OnnxDim[] Dims(string name, NodeProto? node)
    {
        long[] a = _one[name].Shape, b = _two[name].Shape;
        if (a.Length != b.Length) throw BatchFixed(name, node);
        var dims = new OnnxDim[a.Length];
        for (int i = 0; i < a.Length; i++)
            dims[i] = a[i] == b[i] ? new OnnxDim(a[i], false) : b[i] == 2 * a[i] ? new OnnxDim(a[i], true) : throw BatchFixed(name, node);
        return dims;
    }

    private FragilityException BatchFixed(string name, NodeProto? node) =>
        new($"'{_source}': {(node is null ? "" : $"node '{node.Name}' ({node.OpType}): ")}value '{name}' has shape {_one[name].ShapeText} for one image and {_two[name].ShapeText} for two, which does not follow the batch size. Re-export the model with a dynamic batch (dynamic_axes={{'input': {{0: 'batch'}}}}).");

    private sealed record Operand(string Name, bool IsDynamic, OnnxStatic? Static);

    private Operand? In(NodeProto node, int i)
    {
        if (i >= node.Input.Count || node.Input[i].Length == 0) return null;
        string name = Canonical(node.Input[i]);
        if (Runtime(name)) return new Operand(name, true, null);
        if (_constants.TryGetValue(name, out var c)) return new Operand(name, false, c);
        if (_initializers.TryGetValue(name, out var initializer))
        {
            if (!_initializerValues.TryGetValue(name, out var value))
                _initializerValues[name] = value = OnnxTensors.ToTensor(initializer, _source, _folder, zerosIfEmpty: _stored);
            return new Operand(name, false, new OnnxStatic(value, OnnxTensors.IsFloat(initializer), name));
        }
        var one = _one[name];
        if (one.Values is { } values)
        {
            if (_two[name].Values is not { } two || !two.SequenceEqual(values))
                throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) uses '{name}', which depends on the batch size, in a way Fragility cannot fold. Re-export the model with a fixed batch computation or simplify it (onnx-simplifier).");
            var s = new OnnxStatic(Temp(FromValues(values, one)), false, name);
            _constants[name] = s;
            return new Operand(name, false, s);
        }
        throw new FragilityException($"'{_source}': node '{node.Name}' ({node.OpType}) reads '{name}', whose value Fragility could not fold. Simplify the model (onnx-simplifier) and re-export it.");
    }

    private static Tensor FromValues(double[] values, OnnxValue v) => v.Element == OnnxElement.Float
        ? torch.tensor(values.Select(d => (float)d).ToArray()).reshape(v.Shape)
        : torch.tensor(values.Select(OnnxShapeInference.ToLong).ToArray()).reshape(v.Shape);

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

    /// <summary>A fixed operand's folded numbers (axes, pads, sizes: checked by the shape inference).</summary>
    private long[] ConfigInts(NodeProto node, int i)
    {
        string name = Canonical(node.Input[i]);
        if (_initializers.ContainsKey(name)) _configInitializers.Add(name);
        return (_one[name].Values ?? throw Unsupported(node, $"has an input #{i + 1} that is not a small constant")).Select(OnnxShapeInference.ToLong).ToArray();
    }

    private double Scalar(NodeProto node, Tensor t)
    {
        if (t.numel() != 1) throw Unsupported(node, "has a bound with more than one value");
        using var d = t.to(ScalarType.Float64);
        return d.reshape(1).item<double>();
    }

    // ---- translation -----------------------------------------------------------------------------------------

    private void Translate(NodeProto node, int index, bool dropAsFinalSoftmax)
    {
        string op = node.OpType;
        if (!DefaultDomain(node) || !Supported.Contains(op))
            throw new FragilityException($"'{_source}': node '{node.Name}' uses operator '{(DefaultDomain(node) ? op : node.Domain + "." + op)}', which Fragility does not support (supported: {string.Join(", ", Supported)}). Remove or replace it and re-export the model.");
        // Only the first output of a node is a tensor Fragility computes (Split aside): Dropout's mask, MaxPool's
        // indices and BatchNormalization's training statistics are refused when something reads them.
        for (int k = op == "Split" ? node.Output.Count : 1; k < node.Output.Count; k++)
        {
            string extra = node.Output[k];
            if (extra.Length > 0 && (_model.Graph.Node.Any(n => n.Input.Contains(extra)) || _model.Graph.Output.Any(o => o.Name == extra)))
                throw new FragilityException($"'{_source}': node '{node.Name}' ({op}) has its output #{k + 1} used; Fragility computes only the first output of {op}. Re-export the model for inference (model.eval()).");
        }
        string output = node.Output[0];
        string name = OnnxNames.Unique(OnnxNames.Sanitize(node.Name, $"{op}_{index}"), _moduleNames);

        switch (op)
        {
            case "Identity":
            case "Dropout":
                // Training mode with ratio 0 (F.dropout(p=0, training=True), as Swin exports it) is the identity.
                if (op == "Dropout" && node.Input.Count > 2 && node.Input[2].Length > 0 && ConfigInts(node, 2).Any(v => v != 0)
                    && !(node.Input[1].Length > 0 && _one[Canonical(node.Input[1])].Values is [0.0]))
                    throw new FragilityException($"'{_source}': node '{node.Name}' (Dropout) runs in training mode. Re-export the model after model.eval().");
                // Pass-through of a computed tensor or of a weight (torch's export shares initializers this way).
                _alias[output] = In(node, 0)?.Name ?? throw Unsupported(node, "has no input");
                return;
            case "Softmax" when dropAsFinalSoftmax:
                _alias[output] = Dynamic(node, 0, "input").Name;
                return;
        }
        // Everything that does not depend on the image was folded by the shape inference (small values) or is
        // folded now with TorchSharp (large constants: their shapes are checked already).
        // Outputs the inference describes: a node's unused extra outputs (MaxPool's indices...) have no value.
        var outputs = node.Output.Where(_one.ContainsKey).ToList();
        if (!outputs.Any(Runtime))
        {
            // Folded values must be reproducible from the stored graph: keep their initializers' data.
            foreach (var i in node.Input) if (_initializers.ContainsKey(i)) _configInitializers.Add(i);
            if (outputs.All(o => _one[o].Values is not null)) return;
            if (op is "Constant")
            {
                var t = Attr(node, "value")?.T ?? throw Unsupported(node, "holds a sparse or string constant");
                _constants[output] = new OnnxStatic(Temp(OnnxTensors.ToTensor(t, _source, _folder)), false, output);
                return;
            }
        }
        if (TranslateActivation(node, name) || TranslateLayer(node, name) || TranslateTensor(node, name)) return;
        throw Unsupported(node, "in this position (on values it cannot compute at run time)");
    }

    private FragilityException Unsupported(NodeProto node, string what) =>
        new($"'{_source}': node '{node.Name}' ({node.OpType}) {what}, which Fragility does not support. Re-export the model without it.");

    /// <summary>The shape of <paramref name="output"/> when the step runs: fixed, or with its batch dimensions
    /// resolved from the tensor the step receives for <paramref name="reference"/> (so a step run on its own, as the
    /// layer-wise methods do, reshapes for the batch it is given).</summary>
    private Func<Tensor, long[]> OutShape(string output, NodeProto node, string reference)
    {
        if (!Runtime(output))
        {
            long[] fixedShape = _one[output].Shape;
            return _ => fixedShape;
        }
        var dims = Dims(output, node);
        var referenceDims = Dims(reference, node);
        int axis = Array.FindIndex(referenceDims, d => d.PerImage);
        if (axis < 0) throw Unsupported(node, "makes a tensor whose size follows the batch from one that does not");
        long per = referenceDims[axis].Size;
        return x =>
        {
            long n = x.shape[axis] / per;
            return dims.Select(d => d.PerImage ? d.Size * n : d.Size).ToArray();
        };
    }

    private void AddUnary(NodeProto node, string name, Operand x, nn.Module<Tensor, Tensor> layer)
    {
        _steps.Add(new OnnxStep(name, node.Name, node.OpType, [x.Name], node.Output[0], layer, null, false, [x.Name]));
    }

    /// <summary>A node evaluated functionally over operands in ONNX order: one computed input makes a layer,
    /// several make a multi-input op, none is folded into a constant now (or, when its shape follows the batch
    /// size, evaluated at run time with the graph input as the reference for dtype). <paramref name="linearity"/>
    /// holds when the computed input is the first operand and the others are fixed; with
    /// <paramref name="anySlot"/> (Add, Sub, Mul) it holds wherever the one computed operand is.</summary>
    private void General(NodeProto node, string name, List<Operand> operands, Func<Tensor[], Tensor> f, bool joinsChannels = false, string? output = null,
        OnnxLinearity linearity = OnnxLinearity.None, bool anySlot = false)
    {
        // Affine only in the one computed operand: x / c is, c / x and x * x are not.
        if (operands.Count(o => o.IsDynamic) != 1 || !anySlot && !operands[0].IsDynamic) linearity = OnnxLinearity.None;
        var dynamicNames = operands.Where(o => o.IsDynamic).Select(o => o.Name).Distinct().ToArray();
        var statics = operands.Where(o => !o.IsDynamic).Select(o => o.Static!).ToList();
        var slots = new (bool Dynamic, int Index)[operands.Count];
        for (int i = 0, s = 0; i < operands.Count; i++)
            slots[i] = operands[i].IsDynamic ? (true, Array.IndexOf(dynamicNames, operands[i].Name)) : (false, s++);
        output ??= node.Output[0];
        string[] ordered = operands.Where(o => o.IsDynamic).Select(o => o.Name).ToArray();
        if (dynamicNames.Length == 0 && !Runtime(output))
        {
            foreach (var o in operands) if (_initializers.ContainsKey(o.Name)) _configInitializers.Add(o.Name);
            var value = f(statics.Select(s => s.Value).ToArray());
            _constants[output] = new OnnxStatic(Temp(value), false, output);
            return;
        }
        if (dynamicNames.Length == 0)
        {
            var source = new OnnxMultiOp(name, node.OpType, statics, (_, s) => f(slots.Select(sl => s(sl.Index)).ToArray()));
            _steps.Add(new OnnxStep(name, node.Name, node.OpType, [_input], output, null, source, false, [_input]));
        }
        else if (dynamicNames.Length == 1)
        {
            var layer = new OnnxUnaryOp(name, node.OpType, statics, (x, s) => f(slots.Select(sl => sl.Dynamic ? x : s(sl.Index)).ToArray()), linearity);
            _steps.Add(new OnnxStep(name, node.Name, node.OpType, dynamicNames, output, layer, null, false, ordered));
        }
        else
        {
            var multi = new OnnxMultiOp(name, node.OpType, statics, (xs, s) => f(slots.Select(sl => sl.Dynamic ? xs[sl.Index] : s(sl.Index)).ToArray()));
            _steps.Add(new OnnxStep(name, node.Name, node.OpType, dynamicNames, output, null, multi, joinsChannels, ordered));
        }
    }

    /// <summary>All operands of <paramref name="node"/> in ONNX order (absent optional ones skipped).</summary>
    private List<Operand> All(NodeProto node) =>
        Enumerable.Range(0, node.Input.Count).Select(i => In(node, i)).OfType<Operand>().ToList();

    private Tensor Temp(Tensor t)
    {
        _temporaries.Add(t);
        return t;
    }

    /// <summary>The model with the data of weight initializers removed (they travel in the state_dict); external
    /// data references are dropped with it.</summary>
    private byte[] StoredGraph()
    {
        var copy = _model.Clone();
        foreach (var init in copy.Graph.Initializer)
        {
            if (_configInitializers.Contains(init.Name) || !OnnxTensors.IsFloat(init))
            {
                // A constant kept in the graph must not point at a file the stored model does not carry.
                if (init.DataLocation == TensorProto.Types.DataLocation.External && _initializers.TryGetValue(init.Name, out var original))
                {
                    using var t = OnnxTensors.ToTensor(original, _source, _folder);
                    init.ExternalData.Clear();
                    init.DataLocation = TensorProto.Types.DataLocation.Default;
                    init.DataType = (int)(t.dtype == ScalarType.Int64 ? TensorProto.Types.DataType.Int64 : t.dtype == ScalarType.Float64 ? TensorProto.Types.DataType.Double : TensorProto.Types.DataType.Float);
                    using var flat = t.reshape(-1);
                    init.RawData = t.dtype == ScalarType.Int64 ? ByteString.CopyFrom(flat.cpu().data<long>().ToArray().SelectMany(BitConverter.GetBytes).ToArray())
                        : t.dtype == ScalarType.Float64 ? ByteString.CopyFrom(flat.cpu().data<double>().ToArray().SelectMany(BitConverter.GetBytes).ToArray())
                        : ByteString.CopyFrom(flat.cpu().data<float>().ToArray().SelectMany(BitConverter.GetBytes).ToArray());
                }
                continue;
            }
            init.ClearRawData();
            init.FloatData.Clear();
            init.DoubleData.Clear();
            init.Int32Data.Clear();
            init.ExternalData.Clear();
            init.DataLocation = TensorProto.Types.DataLocation.Default;
        }
        return copy.ToByteArray();
    }
}
