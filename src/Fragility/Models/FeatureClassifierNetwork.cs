using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// A network made of a convolutional <c>features</c> Sequential followed by a <c>classifier</c> Sequential,
/// optionally flattened at the end (torchvision's SqueezeNet). State_dict keys are "features.N.*" and
/// "classifier.N.*", as in torchvision.
/// </summary>
public sealed class FeatureClassifierNetwork : nn.Module<Tensor, Tensor>, ILayerChain
{
#pragma warning disable IDE1006 // torchvision's names
    private readonly Sequential features;
    private readonly Sequential classifier;
#pragma warning restore IDE1006
    private readonly Flatten? _finalFlatten;

    /// <summary>Creates the network from its two parts.</summary>
    public FeatureClassifierNetwork(string name, Sequential features, Sequential classifier, bool flattenAtEnd) : base(name)
    {
        this.features = features;
        this.classifier = classifier;
        _finalFlatten = flattenAtEnd ? nn.Flatten() : null;
        RegisterComponents();
    }

    /// <summary>The convolutional part.</summary>
    public Sequential Features => features;

    /// <summary>The classifier part.</summary>
    public Sequential Classifier => classifier;

    /// <inheritdoc />
    public IReadOnlyList<LayerNode> Layers
    {
        get
        {
            var nodes = new List<LayerNode>();
            LayerChain.Expand(features, "features", nodes);
            LayerChain.Expand(classifier, "classifier", nodes);
            if (_finalFlatten is not null) nodes.Add(new ModuleNode(_finalFlatten, "flatten"));
            return nodes;
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var f = features.forward(input);
        var c = classifier.forward(f);
        if (_finalFlatten is null) return c;
        using (c) return _finalFlatten.forward(c);
    }
}
