using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>
/// Describes an imported graph as a <see cref="GraphNode"/> for the layer-wise methods (DeepLIFT, relevance
/// propagation), when every step has a propagation rule: the standard layers, piecewise-linear activations,
/// routing and affine functional ops, residual sums of two computed tensors and concatenations along channels.
/// Anything else (a product of two computed tensors as in squeeze-excitation gating or attention, layer norm,
/// Sigmoid, Softmax...) leaves no graph and the reason naming the node.
/// </summary>
internal static class OnnxPropagationGraph
{
    /// <summary>The graph, or null and the reason it has no propagation rule.</summary>
    public static (GraphNode? Graph, string? Reason) Build(List<OnnxStep> steps, string input, string output)
    {
        var graph = new List<GraphStep>();
        foreach (var s in steps)
        {
            var (step, reason) = Translate(s);
            if (step is null) return (null, reason);
            graph.Add(step);
        }
        return (new GraphNode(graph, input, output), null);
    }

    private static (GraphStep? Step, string? Reason) Translate(OnnxStep s)
    {
        if (s.Unary is { } layer)
        {
            nn.Module<Tensor, Tensor>? known = layer switch
            {
                Conv2d or Linear or BatchNorm2d or MaxPool2d or AvgPool2d or AdaptiveAvgPool2d or Flatten or SwitchableActivation or OnnxPiecewiseLinear => layer,
                OnnxUnaryOp { Linearity: OnnxLinearity.Routing } op => new RoutingOp(op, op.OpType),
                OnnxUnaryOp { Linearity: OnnxLinearity.Affine } op => new AffineOp(op, op.OpType),
                _ => null,
            };
            return known is null
                ? (null, $"node '{s.NodeName}' ({s.OpType}) has no propagation rule (only affine layers, pools, piecewise-linear activations, residual Add and channel Concat have one)")
                : (new GraphStep(s.Name, s.OrderedInputs, s.Output, known, GraphJoin.Layer), null);
        }
        if (s.OrderedInputs is [var only] && only == s.Inputs[0] && s.Inputs.Length == 1)
            return (null, $"node '{s.NodeName}' ({s.OpType}) makes a tensor whose size follows the batch (e.g. a class token), which no propagation rule covers");
        if (s.JoinsChannels) return (new GraphStep(s.Name, s.OrderedInputs, s.Output, null, GraphJoin.Concat), null);
        if (s.OpType == "Add" && s.OrderedInputs.Length == 2) return (new GraphStep(s.Name, s.OrderedInputs, s.Output, null, GraphJoin.Add), null);
        return (null, s.OpType is "Mul" or "MatMul" or "Div"
            ? $"node '{s.NodeName}' ({s.OpType}) multiplies two computed tensors (as squeeze-excitation gating or attention do), which no propagation rule covers"
            : $"node '{s.NodeName}' ({s.OpType}) combines several computed tensors in a way no propagation rule covers");
    }
}
