namespace Fragility.Models;

/// <summary>A module that describes itself for the layer-wise methods (DeepLIFT, relevance propagation) with
/// nodes that may include a <see cref="GraphNode"/> (residual sums, concatenations), where <see cref="ILayerChain"/>
/// allows only a chain.</summary>
public interface IPropagationLayers
{
    /// <summary>The nodes, in forward order; throws a <see cref="FragilityException"/> with the reason when some
    /// part of the module has no propagation rule.</summary>
    IReadOnlyList<LayerNode> PropagationLayers { get; }
}
