using System.Globalization;
using Fragility.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// A certified upper bound of the L2 Lipschitz constant of a network's logits as a function of the pixel-scale input,
/// <c>||f(x) - f(x')||_2 &lt;= L ||x - x'||_2</c>, as the product of per-layer constants along its layer chain
/// (Szegedy et al. 2014): the input normalisation 1 / min(std); convolutions and linear layers their spectral norm
/// (<see cref="OperatorNorm"/>, at the layer's actual input size); ReLU and softplus 1 (their slopes lie in [0, 1]);
/// max-pooling <c>sqrt(ceil(kh/sh) ceil(kw/sw))</c> (each input lies in at most that many windows, and a maximum
/// moves by at most the largest change in its window); average pools their spectral norm; BatchNorm in evaluation
/// max |gamma / sqrt(var + eps)|; flatten and dropout 1; parallel branches that are concatenated
/// <c>sqrt(sum_b L_b^2)</c>.
/// </summary>
/// <remarks>The bound is global (valid for every pair of inputs) and usually loose by orders of magnitude; compare it
/// with <see cref="GradientNormAscent"/>, a local lower estimate. The per-layer norms are computed by power
/// iteration, which approaches each norm from below to about 6 digits; the product is an upper bound to that
/// accuracy.</remarks>
public static class LipschitzBound
{
    /// <summary>The per-layer constants of <paramref name="model"/>, in forward order; their product is the bound.</summary>
    /// <exception cref="FragilityException">A layer of unknown type, or a network that is not a chain of layers (an
    /// imported graph with residual connections).</exception>
    public static IReadOnlyList<LayerLipschitz> Layers(Classifier model, int iterations = OperatorNorm.DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(model);
        var p = model.Metadata.Preprocessing;
        IReadOnlyList<LayerNode> chain;
        try { chain = model.Layers; }
        catch (FragilityException e) { throw new FragilityException($"No Lipschitz bound for '{model.Metadata.Architecture}': {e.Message}"); }
        var dtype = model.parameters().FirstOrDefault()?.dtype ?? ScalarType.Float32;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.zeros([1, p.Channels, p.Height, p.Width], dtype: dtype);
        var result = new List<LayerLipschitz>();
        LayerChain.Walk(chain, x, new BoundVisitor(result, iterations));
        return result;
    }

    /// <summary>The bound itself: the product of <see cref="Layers"/>.</summary>
    public static double Compute(Classifier model, int iterations = OperatorNorm.DefaultIterations) =>
        Layers(model, iterations).Aggregate(1.0, (a, l) => a * l.Constant);

    /// <summary>Takes each layer's constant as <see cref="LayerChain.Walk"/> runs the chain; a concatenation becomes one
    /// entry, the root of the sum of its branches' squared products.</summary>
    private sealed class BoundVisitor(List<LayerLipschitz> root, int iterations) : ILayerVisitor
    {
        private sealed class Concat(List<LayerLipschitz> outer)
        {
            public List<LayerLipschitz> Outer { get; } = outer;
            public List<LayerLipschitz> Branch { get; set; } = [];
            public double Squares { get; set; }

            public void CloseBranch()
            {
                double l = Branch.Aggregate(1.0, (a, b) => a * b.Constant);
                Squares += l * l;
            }
        }

        private readonly Stack<Concat> _open = new();

        private List<LayerLipschitz> Current => _open.Count > 0 ? _open.Peek().Branch : root;

        public void Layer(ModuleNode node, Tensor input) =>
            Current.Add(LipschitzBound.Layer(node.Module, node.Name, input.shape, input.dtype, iterations));

        public void BeginBranch(ConcatNode node, int branch)
        {
            if (branch == 0) { _open.Push(new Concat(Current)); return; }
            var concat = _open.Peek();
            concat.CloseBranch();
            concat.Branch = [];
        }

        public void EndConcat(ConcatNode node)
        {
            var concat = _open.Pop();
            concat.CloseBranch();
            concat.Outer.Add(new LayerLipschitz(string.Join("+", node.Branches.Select(b => b.OfType<ModuleNode>().FirstOrDefault()?.Name ?? "?")),
                "Concat", Math.Sqrt(concat.Squares), $"sqrt of the sum of squared branch bounds ({node.Branches.Count} branches)"));
        }

        public void Graph(GraphNode node, Tensor input) => throw new FragilityException($"No Lipschitz bound for layer node {node.GetType().Name}.");
    }

    private static LayerLipschitz Layer(nn.Module<Tensor, Tensor> module, string name, long[] shape, ScalarType dtype, int iterations)
    {
        string size = string.Join("x", shape.Skip(1));
        string kind = module.GetType().Name;
        switch (module)
        {
            case ChannelNormalisation n:
                return new(name, kind, 1.0 / n.Std.Min(), "1 / min(std)");
            case Conv2d conv:
                return new(name, kind, OperatorNorm.OfConv2d(conv, shape, iterations: iterations), $"power iteration on conv2d / conv_transpose2d, input {size}");
            case Linear linear:
                return new(name, kind, OperatorNorm.OfLinear(linear, iterations: iterations), "power iteration on W / W^T");
            case SwitchableActivation or ReLU or Softplus:
                return new(name, kind, 1.0, "1: slopes of ReLU and softplus lie in [0, 1]");
            case MaxPool2d pool:
            {
                long[] k = Pair(pool.kernel_size, 1), s = Pair(pool.stride, 0);
                if (s[0] == 0) s = k;
                long cover = Ceil(k[0], s[0]) * Ceil(k[1], s[1]);
                return new(name, kind, Math.Sqrt(cover), $"sqrt({cover}): each input lies in at most {cover} windows");
            }
            case AvgPool2d or AdaptiveAvgPool2d:
                return new(name, kind, OperatorNorm.OfLinearModule(module.forward, shape, dtype, iterations: iterations), $"power iteration (linear pool), input {size}");
            case BatchNorm2d bn:
            {
                using var scope = torch.NewDisposeScope();
                var scale = (bn.running_var! + bn.eps).rsqrt();
                if (bn.weight is not null) scale = scale * bn.weight;
                return new(name, kind, scale.abs().max().to(ScalarType.Float64).item<double>(), "max |gamma / sqrt(var + eps)| (evaluation mode)");
            }
            case Flatten or Dropout or Identity:
                return new(name, kind, 1.0, "1: reshapes (dropout is the identity in evaluation)");
            default:
                throw new FragilityException($"No Lipschitz bound for layer '{name}' ({kind}). Supported: Conv2d, Linear, ReLU/softplus, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d, Flatten, Dropout and concatenated branches.");
        }
    }

    private static long Ceil(long a, long b) => (a + b - 1) / b;

    private static long[] Pair(long[]? value, long fallback) => value switch
    {
        null or { Length: 0 } => [fallback, fallback],
        { Length: 1 } => [value[0], value[0]],
        _ => [value[0], value[1]],
    };

    /// <summary>Formats a constant for tables (4 significant digits, invariant culture).</summary>
    internal static string Format(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
