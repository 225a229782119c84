namespace Fragility.Models;

/// <summary>
/// How <see cref="LayerChain.Walk{T}"/> runs a chain of <see cref="LayerNode"/>s on a value of type <typeparamref name="T"/>:
/// a tensor for a forward pass, or the input with its reference and a record of every step for the propagation rules
/// (DeepLIFT, LRP). The walker owns the order of the chain and its branches; the runner says what one layer, one
/// concatenation and one graph do to the value.
/// </summary>
/// <typeparam name="T">What flows through the chain.</typeparam>
public interface ILayerRunner<T>
{
    /// <summary>Runs one layer on <paramref name="input"/>.</summary>
    T Layer(ModuleNode node, T input);

    /// <summary>Runs a concatenation: each branch walked by <paramref name="walkBranch"/> from what the runner gives it,
    /// then the branches' outputs joined.</summary>
    T Concat(ConcatNode node, T input, Func<IReadOnlyList<LayerNode>, T, T> walkBranch);

    /// <summary>Runs a graph node (an imported graph with joins).</summary>
    T Graph(GraphNode node, T input);
}
