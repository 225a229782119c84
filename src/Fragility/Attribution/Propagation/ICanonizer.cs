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

    /// <summary>The rewritten nodes; modules it creates are added to <paramref name="created"/>, which the caller
    /// disposes after the walk.</summary>
    IReadOnlyList<LayerNode> Apply(IReadOnlyList<LayerNode> layers, ICollection<nn.Module> created);
}
