using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>Turns a module tree (Sequential, <see cref="ILayerChain"/> modules, primitive layers) into a chain of
/// <see cref="LayerNode"/>s, and runs a chain forward.</summary>
public static class LayerChain
{
    /// <summary>The chain of layers of <paramref name="module"/>; Sequentials and <see cref="ILayerChain"/>s are expanded.</summary>
    public static IReadOnlyList<LayerNode> Of(nn.Module<Tensor, Tensor> module, string name = "")
    {
        var nodes = new List<LayerNode>();
        Expand(module, name, nodes);
        return nodes;
    }

    /// <summary>Expands one module into <paramref name="into"/>.</summary>
    public static void Expand(nn.Module<Tensor, Tensor> module, string name, List<LayerNode> into)
    {
        switch (module)
        {
            case ILayerChain chain:
                into.AddRange(chain.Layers);
                break;
            case Sequential seq:
                foreach (var (childName, child) in seq.named_children())
                    Expand((nn.Module<Tensor, Tensor>)child, Join(name, childName), into);
                break;
            default:
                into.Add(new ModuleNode(module, name));
                break;
        }
    }

    /// <summary>Runs the chain forward; equals the module's own forward pass.</summary>
    public static Tensor Forward(IReadOnlyList<LayerNode> chain, Tensor input) => Walk(chain, input, (ILayerVisitor?)null);

    /// <summary>The one walker of layer chains: runs <paramref name="chain"/> in order on <paramref name="input"/>,
    /// each layer, concatenation (its branches walked by this same walker) and graph as <paramref name="runner"/> says.</summary>
    public static T Walk<T>(IReadOnlyList<LayerNode> chain, T input, ILayerRunner<T> runner)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(runner);
        T x = input;
        foreach (var node in chain)
        {
            x = node switch
            {
                ModuleNode m => runner.Layer(m, x),
                ConcatNode c => runner.Concat(c, x, (branch, value) => Walk(branch, value, runner)),
                GraphNode g => runner.Graph(g, x),
                _ => throw new InvalidOperationException($"unknown layer node {node}"),
            };
        }
        return x;
    }

    /// <summary>Runs <paramref name="chain"/> forward from <paramref name="input"/>, telling <paramref name="visitor"/>
    /// each layer's input and each concatenation's branches; returns the chain's output.</summary>
    public static Tensor Walk(IReadOnlyList<LayerNode> chain, Tensor input, ILayerVisitor? visitor) => Walk(chain, input, new ForwardRunner(visitor));

    /// <summary>A plain forward pass, shown to a visitor.</summary>
    private sealed class ForwardRunner(ILayerVisitor? visitor) : ILayerRunner<Tensor>
    {
        public Tensor Layer(ModuleNode node, Tensor input)
        {
            visitor?.Layer(node, input);
            return node.Module.forward(input);
        }

        public Tensor Concat(ConcatNode node, Tensor input, Func<IReadOnlyList<LayerNode>, Tensor, Tensor> walkBranch)
        {
            var outputs = new Tensor[node.Branches.Count];
            for (int b = 0; b < outputs.Length; b++)
            {
                visitor?.BeginBranch(node, b);
                outputs[b] = walkBranch(node.Branches[b], input);
            }
            visitor?.EndConcat(node);
            return torch.cat(outputs, 1);
        }

        public Tensor Graph(GraphNode node, Tensor input)
        {
            visitor?.Graph(node, input);
            return Forward(node, input);
        }
    }

    /// <summary>Runs a graph forward, step by step in its (topological) order.</summary>
    public static Tensor Forward(GraphNode graph, Tensor input)
    {
        var values = new Dictionary<string, Tensor> { [graph.Input] = input };
        foreach (var step in graph.Steps)
        {
            var ins = step.Inputs.Select(v => values.TryGetValue(v, out var t) ? t
                : throw new InvalidOperationException($"graph step '{step.Name}' reads '{v}' before it is defined")).ToArray();
            values[step.Output] = step.Join switch
            {
                GraphJoin.Layer => (step.Layer ?? throw new InvalidOperationException($"graph step '{step.Name}' has no layer")).forward(ins[0]),
                GraphJoin.Add => ins.Skip(1).Aggregate(ins[0], (a, b) => a + b),
                GraphJoin.Concat => torch.cat(ins, 1),
                _ => throw new InvalidOperationException($"unknown graph join {step.Join}"),
            };
        }
        return values.TryGetValue(graph.Output, out var output) ? output : throw new InvalidOperationException($"the graph never defines its output '{graph.Output}'");
    }

    /// <summary>Joins dotted module names.</summary>
    public static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
