using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>
/// A network imported from an ONNX graph (opset 11-17, fixed image size, any batch size), evaluated by TorchSharp so
/// that it is differentiable to any order like the registry's networks. Before anything is built, a shape
/// inference in C# checks every node for the declared image size and folds the shape arithmetic, so a malformed
/// graph is refused with one line instead of reaching libtorch (whose errors abort the process); an input of
/// another image size is refused by <see cref="forward"/>. Nodes run in topological order: standard layers where one
/// matches the node exactly (Conv2d, Linear, pooling, Flatten, BatchNorm), functional ops otherwise. Every Relu is a
/// <see cref="SwitchableActivation"/> and every other piecewise-linear activation (LeakyRelu, PRelu, Clip,
/// HardSigmoid, HardSwish) is built on one, so <see cref="Classifier.SetActivation"/> switches them all to their
/// softplus twins and back (<see cref="SmoothTwinChanges"/> counts them). Weights
/// (float initializers) are the parameters of these layers, so they appear in <c>state_dict()</c> under
/// "&lt;sanitised node name&gt;.weight" etc.; the graph itself (without the weight data) is the uint8 buffer
/// <see cref="GraphBufferName"/>, so a model saved by <see cref="ModelStore.Save"/> carries everything needed to
/// rebuild it (<see cref="FromState"/>).
/// A final Softmax is dropped (<see cref="DroppedFinalSoftmax"/>) so that scores are logits.
/// The layer-wise methods (DeepLIFT, relevance propagation) walk <see cref="Graph"/>, the whole graph with its
/// residual sums and concatenations, when every node has a propagation rule; otherwise
/// <see cref="PropagationLayers"/> throws with the node that has none (a product of two computed tensors, layer norm,
/// Sigmoid...), and only the gradient-based methods apply. When the graph is moreover a chain of single-input layers
/// with Concat branches (SqueezeNet's fire modules), <see cref="Layers"/> describes it as one for the chain-only
/// analyses (Lipschitz bounds, spectral norms, influence); otherwise <see cref="IsLayerChain"/> is false and
/// <see cref="Layers"/> throws with the reason.
/// </summary>
public sealed class OnnxNetwork : nn.Module<Tensor, Tensor>, ILayerChain, IPropagationLayers
{
    /// <summary>The architecture name in <see cref="ModelMetadata.Architecture"/> of imported ONNX models.</summary>
    public const string ArchitectureName = "onnx";

    /// <summary>State_dict key of the stored graph (serialised ONNX ModelProto without weight data, uint8).</summary>
    public const string GraphBufferName = "onnx_graph";

    private readonly List<OnnxStep> _steps;
    private readonly Dictionary<string, int> _uses = [];
    private readonly string _input;
    private readonly string _output;
    private readonly IReadOnlyList<LayerNode>? _chain;

    private OnnxNetwork(OnnxBuild build) : base("onnx")
    {
        _steps = build.Steps;
        _input = build.InputName;
        _output = build.OutputName;
        InputShape = build.InputShape;
        OutputClasses = build.OutputClasses;
        Opset = build.Opset;
        DroppedFinalSoftmax = build.DroppedFinalSoftmax;
        Notes = build.Notes;
        register_buffer(GraphBufferName, torch.tensor(build.StoredGraph));
        foreach (var s in _steps)
        {
            register_module(s.Name, s.Unary is not null ? s.Unary : s.Multi!);
            foreach (var n in s.Inputs) _uses[n] = _uses.GetValueOrDefault(n) + 1;
        }
        (_chain, LayerChainUnavailableReason) = OnnxLayerChain.Build(_steps, _input, _output);
        (Graph, PropagationUnavailableReason) = OnnxPropagationGraph.Build(_steps, _input, _output);
        eval();
    }

    /// <summary>Reads and translates an ONNX file.</summary>
    /// <exception cref="FragilityException">Not an ONNX model, opset outside 11-17, an unsupported operator (the
    /// message names the operator and the node), shapes that do not fit, or external data outside the model's
    /// folder.</exception>
    public static OnnxNetwork Load(string path)
    {
        if (!File.Exists(path)) throw new FragilityException($"'{path}' does not exist. Check the path.");
        // External weight files are read from the model's folder only.
        return FromBytes(File.ReadAllBytes(path), path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Translates a serialised ONNX ModelProto; <paramref name="source"/> names it in messages,
    /// <paramref name="folder"/> is where external data may be read (none when null).</summary>
    public static OnnxNetwork FromBytes(byte[] model, string source, string? folder = null) =>
        new(OnnxGraphBuilder.Build(OnnxGraphBuilder.Parse(model, source), source, stored: false, folder));

    /// <summary>Rebuilds the network from a state_dict saved by <see cref="ModelStore.Save"/>: the graph comes from
    /// <see cref="GraphBufferName"/>, the weights are zeros until the state_dict is loaded into it.</summary>
    public static OnnxNetwork FromState(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        if (!state.TryGetValue(GraphBufferName, out var graph) || graph.dtype != ScalarType.Byte || graph.dim() != 1)
            throw new FragilityException($"'{source}' says it is an imported ONNX model but holds no '{GraphBufferName}' graph. Import the .onnx file again with 'fragility import FILE --onnx'.");
        byte[] bytes = graph.cpu().data<byte>().ToArray();
        return new OnnxNetwork(OnnxGraphBuilder.Build(OnnxGraphBuilder.Parse(bytes, source), source, stored: true));
    }

    /// <summary>The classifier of a saved ONNX model with metadata <paramref name="metadata"/>, before its weights are
    /// loaded (<see cref="ModelStore.Load"/> calls this, then loads the state_dict).</summary>
    public static Classifier CreateClassifier(ModelMetadata metadata, IReadOnlyDictionary<string, Tensor> state, string source)
    {
        var model = new Classifier(FromState(state, source), metadata);
        if (metadata.Activation == "softplus") model.SetActivation(ActivationMode.Softplus, metadata.Beta);
        return model;
    }

    /// <summary>Input shape declared by the graph ([N, C, H, W]; -1 for a dynamic dimension; empty if undeclared).</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>Number of classes declared by the graph output [N, classes], or -1 when not declared.</summary>
    public long OutputClasses { get; }

    /// <summary>The default-domain opset of the file.</summary>
    public int Opset { get; }

    /// <summary>True when the graph ended in a Softmax that was dropped, so that the output is logits.</summary>
    public bool DroppedFinalSoftmax { get; }

    /// <summary>Remarks about the translation (dropped Softmax, extra outputs ignored), for the user.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The ONNX operator types evaluated, in order (Identity, Dropout, Constant and a dropped Softmax excluded).</summary>
    public IReadOnlyList<string> OperatorTypes => _steps.Select(s => s.OpType).ToList();

    /// <summary>What the smooth twin (<see cref="Classifier.SetActivation"/> with softplus) changes: the number of
    /// nodes of each piecewise-linear operator type it replaces by its softplus counterpart (Relu, LeakyRelu, PRelu,
    /// Clip, HardSigmoid, HardSwish; formulas in <see cref="SwitchableActivation"/> and the importer's
    /// OnnxPiecewiseLinear). Smooth operators (Sigmoid, Erf, Softmax, LayerNormalization...) are not in it: they
    /// stay.</summary>
    public IReadOnlyDictionary<string, int> SmoothTwinChanges =>
        _steps.Where(s => OnnxGraphBuilder.Twinned.Contains(s.OpType)).GroupBy(s => s.OpType).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Piecewise-linear operators the smooth twin leaves as they are (MaxPool, Abs), with their counts: the
    /// twin's second derivative is zero through them, as through the registry models' max pools.</summary>
    public IReadOnlyDictionary<string, int> SmoothTwinKept =>
        _steps.Where(s => s.OpType is "MaxPool" or "Abs").GroupBy(s => s.OpType).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>One line saying what the smooth twin changes, e.g. "softplus twin replaces Relu x12, Clip x3".</summary>
    public string SmoothTwinSummary
    {
        get
        {
            var changes = SmoothTwinChanges;
            string replaced = changes.Count == 0 ? "softplus twin changes nothing (no piecewise-linear activation)"
                : "softplus twin replaces " + string.Join(", ", changes.Select(c => $"{c.Key} x{c.Value}"));
            var kept = SmoothTwinKept;
            return kept.Count == 0 ? replaced : replaced + "; keeps " + string.Join(", ", kept.Select(c => $"{c.Key} x{c.Value}"));
        }
    }

    /// <summary>Whether <see cref="Layers"/> can describe the graph (a chain of layers with Concat branches).</summary>
    public bool IsLayerChain => _chain is not null;

    /// <summary>Why the graph is not a layer chain (null when it is).</summary>
    public string? LayerChainUnavailableReason { get; }

    /// <inheritdoc />
    /// <exception cref="FragilityException">The graph is not a chain (see <see cref="LayerChainUnavailableReason"/>).</exception>
    public IReadOnlyList<LayerNode> Layers => _chain ?? throw new FragilityException(
        $"This analysis walks the model as a chain of layers, which this imported ONNX graph is not: {LayerChainUnavailableReason}. The gradient-based methods work on it, and DeepLIFT and relevance propagation where every node has a rule; use a registry architecture for chain-only analyses.");

    /// <summary>The graph as the layer-wise methods see it (null when some node has no propagation rule, see
    /// <see cref="PropagationUnavailableReason"/>).</summary>
    public GraphNode? Graph { get; }

    /// <summary>Why DeepLIFT and relevance propagation are unavailable (null when they are available).</summary>
    public string? PropagationUnavailableReason { get; }

    /// <inheritdoc />
    /// <remarks>The whole graph as one <see cref="GraphNode"/>, chain or not: on a chain its walk equals the chain's.</remarks>
    /// <exception cref="FragilityException">Some node has no propagation rule.</exception>
    public IReadOnlyList<LayerNode> PropagationLayers => Graph is { } g ? [g] : throw new FragilityException(
        $"DeepLIFT and relevance propagation are unavailable for this imported ONNX model: {PropagationUnavailableReason}. Use a gradient-based method (simple gradient, gradient x input, integrated gradients, SmoothGrad).");

    /// <summary>Runs the graph on <paramref name="input"/> [N, C, H, W]; returns the first graph output (logits).</summary>
    public override Tensor forward(Tensor input)
    {
        // Every shape was checked for this image size at import; a different one must not reach libtorch.
        if (input.dim() != InputShape.Count || input.shape[0] < 1 || Enumerable.Range(1, (int)input.dim() - 1).Any(d => input.shape[d] != InputShape[d]))
            throw new FragilityException($"This imported ONNX model takes images [N,{string.Join(",", InputShape.Skip(1))}], got [{string.Join(",", input.shape)}]. Resize the images or re-export the model at that size.");
        if (_steps.Count == 0) return input.alias();
        var values = new Dictionary<string, Tensor> { [_input] = input };
        var left = new Dictionary<string, int>(_uses);
        foreach (var s in _steps)
        {
            var y = s.Unary is not null ? s.Unary.forward(values[s.Inputs[0]]) : s.Multi!.forward(s.Inputs.Select(n => values[n]).ToArray());
            // A layer that hands back its input object must not share the handle freed below.
            if (s.Inputs.Any(n => ReferenceEquals(values[n], y))) y = y.alias();
            values[s.Output] = y;
            // Free intermediates after their last use (autograd keeps what backward needs).
            foreach (var n in s.Inputs)
                if (--left[n] == 0 && n != _input && n != _output) { values[n].Dispose(); values.Remove(n); }
        }
        return values[_output];
    }
}
