using Fragility.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// Folds every BatchNorm2d in evaluation mode that directly follows a Conv2d (in a chain, in concatenated branches,
/// or in a graph where the convolution feeds only the BatchNorm) into one Conv2d: with s = gamma / sqrt(var + eps),
/// W' = s W per output channel and b' = s (b - mean) + beta. The function is unchanged, so DeepLIFT's multipliers are
/// too (up to rounding); relevance rules then see one affine layer, as zennit's merge-BatchNorm canonizer arranges.
/// The folded weights are computed from the current parameters at every walk, without gradient (the attacks
/// differentiate with respect to the input only).
/// </summary>
public sealed class BatchNormCanonizer : ICanonizer
{
    /// <summary>The shared instance.</summary>
    public static BatchNormCanonizer Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "merge-batchnorm";

    /// <inheritdoc />
    public IReadOnlyList<LayerNode> Apply(IReadOnlyList<LayerNode> layers, ICollection<nn.Module> created)
    {
        var result = new List<LayerNode>();
        for (int i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case ModuleNode { Module: Conv2d conv } m when i + 1 < layers.Count && layers[i + 1] is ModuleNode { Module: BatchNorm2d bn } && Foldable(conv, bn):
                    result.Add(new ModuleNode(Fold(conv, bn, created), m.Name));
                    i++;
                    break;
                case ConcatNode c:
                    result.Add(new ConcatNode(c.Branches.Select(b => Apply(b, created)).ToList()));
                    break;
                case GraphNode g:
                    result.Add(Apply(g, created));
                    break;
                default:
                    result.Add(layers[i]);
                    break;
            }
        }
        return result;
    }

    private static GraphNode Apply(GraphNode g, ICollection<nn.Module> created)
    {
        var readers = new Dictionary<string, List<GraphStep>>();
        foreach (var s in g.Steps)
            foreach (var v in s.Inputs)
            {
                if (!readers.TryGetValue(v, out var list)) readers[v] = list = [];
                list.Add(s);
            }
        var dropped = new HashSet<GraphStep>();
        var steps = new List<GraphStep>();
        foreach (var s in g.Steps)
        {
            if (dropped.Contains(s)) continue;
            // The convolution's output must be read by the BatchNorm alone, or folding would change other readers.
            if (s.Layer is Conv2d conv && s.Output != g.Output && readers.GetValueOrDefault(s.Output) is [{ Layer: BatchNorm2d bn, Inputs.Count: 1 } next]
                && Foldable(conv, bn))
            {
                steps.Add(new GraphStep(s.Name, s.Inputs, next.Output, Fold(conv, bn, created), GraphJoin.Layer));
                dropped.Add(next);
                continue;
            }
            steps.Add(s);
        }
        return new GraphNode(steps, g.Input, g.Output);
    }

    private static bool Foldable(Conv2d conv, BatchNorm2d bn) =>
        !bn.training && bn.running_mean is not null && bn.running_var is not null && conv.padding_type is null
        && conv.padding_mode == PaddingModes.Zeros && conv.weight!.shape[0] == bn.running_mean.shape[0];

    private static Conv2d Fold(Conv2d conv, BatchNorm2d bn, ICollection<nn.Module> created)
    {
        var w = conv.weight!;
        long groups = conv.groups;
        long[] stride = LinearMaps.Pair(conv.stride, 1), padding = LinearMaps.Pair(conv.padding, 0), dilation = LinearMaps.Pair(conv.dilation, 1);
        var folded = nn.Conv2d(w.shape[1] * groups, w.shape[0], (w.shape[2], w.shape[3]), stride: (stride[0], stride[1]),
            padding: (padding[0], padding[1]), dilation: (dilation[0], dilation[1]), groups: groups, bias: true);
        created.Add(folded);
        folded.to(w.dtype);
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var scale = (bn.running_var! + bn.eps).rsqrt();
            if (bn.weight is not null) scale = scale * bn.weight;
            var bias = conv.bias is null ? -bn.running_mean! : conv.bias - bn.running_mean!;
            bias = bias * scale;
            if (bn.bias is not null) bias = bias + bn.bias;
            folded.weight!.copy_(w * scale.reshape(-1, 1, 1, 1));
            folded.bias!.copy_(bias);
        }
        return folded;
    }
}
