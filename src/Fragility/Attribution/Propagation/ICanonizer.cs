using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// A rewrite of a network's layers into an equivalent form on which the propagation rules are meant to act
/// (zennit's canonizers), applied before any rule: the rewritten nodes compute the same function.
/// </summary>
public interface ICanonizer
{
    /// <summary>Short name for descriptions.</summary>
    string Name { get; }

    /// <summary>The rewritten nodes; every module it puts in place of others is created here and added to
    /// <paramref name="created"/>, which the caller disposes after the walk. A rewrite that replaced no module adds
    /// none: that is how <see cref="CanonicalLayers.Rewritten"/> knows the walked layers are the model's own.</summary>
    IReadOnlyList<LayerNode> Apply(IReadOnlyList<LayerNode> layers, ICollection<nn.Module> created);
}
