using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>Layers rewritten by a composite's canonizers, owning the modules the rewrite created.</summary>
public sealed class CanonicalLayers : IDisposable
{
    private readonly List<nn.Module> _created;

    internal CanonicalLayers(IReadOnlyList<LayerNode> layers, List<nn.Module> created)
    {
        Layers = layers;
        _created = created;
    }

    /// <summary>The rewritten nodes.</summary>
    public IReadOnlyList<LayerNode> Layers { get; }

    /// <summary>Whether a canonizer replaced any layer (every rewrite creates the module it puts in).</summary>
    public bool Rewritten => _created.Count > 0;

    /// <summary>Disposes the created modules.</summary>
    public void Dispose()
    {
        foreach (var m in _created) m.Dispose();
        _created.Clear();
    }
}
