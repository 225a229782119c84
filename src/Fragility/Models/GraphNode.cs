namespace Fragility.Models;

/// <summary>A network seen as a directed acyclic graph of layers and joins (residual sums, channel
/// concatenations) over named values, the generalisation of a chain that the layer-wise methods walk backwards in
/// reverse topological order.</summary>
/// <param name="Steps">The steps in topological order (every input defined before it is read).</param>
/// <param name="Input">The name of the graph's input value.</param>
/// <param name="Output">The name of the value the graph returns.</param>
public sealed record GraphNode(IReadOnlyList<GraphStep> Steps, string Input, string Output) : LayerNode;
