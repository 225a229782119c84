using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// Watches <see cref="LayerChain.Walk"/> run a chain of <see cref="LayerNode"/>s forward: every layer with the input it
/// receives, and the branches of concatenations as they begin and end. Lets the spectral-norm projection find each
/// layer's input size and the Lipschitz bound take per-layer constants without walking the chain themselves.
/// </summary>
public interface ILayerVisitor
{
    /// <summary>Called before <paramref name="node"/> runs on <paramref name="input"/>.</summary>
    void Layer(ModuleNode node, Tensor input);

    /// <summary>Called before branch <paramref name="branch"/> of <paramref name="node"/> runs (on the concatenation's input).</summary>
    void BeginBranch(ConcatNode node, int branch) { }

    /// <summary>Called after every branch of <paramref name="node"/> has run, before their outputs are concatenated.</summary>
    void EndConcat(ConcatNode node) { }

    /// <summary>Called before a graph node (an imported graph with joins) runs on <paramref name="input"/>; its steps are
    /// not visited one by one.</summary>
    void Graph(GraphNode node, Tensor input) { }
}
