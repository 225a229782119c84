namespace Fragility.Models;

/// <summary>A module that can describe itself as a chain of <see cref="LayerNode"/>s whose composition
/// equals its forward pass.</summary>
public interface ILayerChain
{
    /// <summary>The layers, in forward order.</summary>
    IReadOnlyList<LayerNode> Layers { get; }
}
