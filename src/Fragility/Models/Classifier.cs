using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// An image classifier as Fragility uses it: takes pixel-scale input [N, C, H, W] in [0, 1], normalises it
/// with the model's own preprocessing, and returns class scores (logits, the input of the softmax).
/// Holds the metadata and lets every ReLU be switched to softplus(beta) and back.
/// </summary>
public sealed class Classifier : nn.Module<Tensor, Tensor>, ILayerChain
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> network;
#pragma warning restore IDE1006
    private readonly ChannelNormalisation _normalization;
    private readonly SwitchableActivation[] _activations;

    /// <summary>Wraps a registry network (or an imported one) with its metadata.</summary>
    public Classifier(nn.Module<Tensor, Tensor> network, ModelMetadata metadata) : base("classifier")
    {
        this.network = network;
        Metadata = metadata;
        _normalization = new ChannelNormalisation(metadata.Preprocessing.Mean, metadata.Preprocessing.Std);
        register_module("network", network);
        _activations = network.modules().OfType<SwitchableActivation>().ToArray();
        eval();
    }

    /// <summary>The architecture without the normalisation; its state_dict is what is saved.</summary>
    public nn.Module<Tensor, Tensor> Network => network;

    /// <summary>Metadata: architecture, preprocessing, class names, provenance.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>The normalisation applied before the network.</summary>
    public ChannelNormalisation Normalisation => _normalization;

    /// <summary>Number of classes.</summary>
    public int ClassCount => Metadata.ClassNames.Count;

    /// <summary>Every switchable activation of the network.</summary>
    public IReadOnlyList<SwitchableActivation> Activations => _activations;

    /// <summary>What the softplus twin of the attacks changes, for run.json and reports: an imported graph lists its
    /// switched operators by type; a registry network switches its ReLUs and keeps its max pools.</summary>
    public string SmoothTwinSummary => Network is Import.OnnxNetwork onnx
        ? onnx.SmoothTwinSummary
        : $"softplus twin replaces ReLU x{_activations.Length}; keeps max pools";

    /// <summary>The current activation mode (that of the first activation).</summary>
    public ActivationMode ActivationMode => _activations.Length == 0 ? ActivationMode.Relu : _activations[0].Mode;

    /// <inheritdoc />
    public IReadOnlyList<LayerNode> Layers
    {
        get
        {
            var nodes = new List<LayerNode> { new ModuleNode(_normalization, "normalization") };
            LayerChain.Expand(network, "", nodes);
            return nodes;
        }
    }

    /// <summary>The nodes the layer-wise methods (DeepLIFT, relevance propagation) walk: <see cref="Layers"/>, or,
    /// for a network that is a graph rather than a chain (<see cref="IPropagationLayers"/>), the normalisation
    /// followed by that graph. Throws a <see cref="FragilityException"/> with the reason when no rule covers some
    /// part of the network.</summary>
    public IReadOnlyList<LayerNode> PropagationLayers => network is IPropagationLayers graph
        ? [new ModuleNode(_normalization, "normalization"), .. graph.PropagationLayers]
        : Layers;

    /// <summary>Class scores (logits) for pixel-scale input [N, C, H, W].</summary>
    public override Tensor forward(Tensor input)
    {
        var p = Metadata.Preprocessing;
        if (input.dim() != 4 || input.shape[1] != p.Channels || input.shape[2] != p.Height || input.shape[3] != p.Width)
            throw new FragilityException($"Model '{Metadata.Architecture}' expects images of {p.Channels}x{p.Height}x{p.Width} (channels x height x width), got [{string.Join("x", input.shape.Skip(1))}]. Use a data set of that size, or import/train a model for this size.");
        using var z = _normalization.forward(input);
        return network.forward(z);
    }

    /// <summary>Switches every activation to <paramref name="mode"/> (with <paramref name="beta"/> for softplus).</summary>
    public void SetActivation(ActivationMode mode, double beta = 1.0)
    {
        if (mode == ActivationMode.Softplus && !(beta > 0 && double.IsFinite(beta)))
            throw new FragilityException($"Softplus beta must be a positive number, got {beta}.");
        foreach (var a in _activations) { a.Mode = mode; a.Beta = beta; }
    }

    /// <summary>Switches to softplus(beta) until the returned object is disposed, then restores the previous mode.</summary>
    public IDisposable UseSoftplus(double beta)
    {
        var previous = _activations.Select(a => (a.Mode, a.Beta)).ToArray();
        SetActivation(ActivationMode.Softplus, beta);
        return new Restore(() => { for (int i = 0; i < _activations.Length; i++) (_activations[i].Mode, _activations[i].Beta) = previous[i]; });
    }

    /// <summary>Switches to ReLU until the returned object is disposed, then restores the previous mode.</summary>
    public IDisposable UseRelu()
    {
        var previous = _activations.Select(a => (a.Mode, a.Beta)).ToArray();
        SetActivation(ActivationMode.Relu);
        return new Restore(() => { for (int i = 0; i < _activations.Length; i++) (_activations[i].Mode, _activations[i].Beta) = previous[i]; });
    }

    /// <summary>Predicted labels and their softmax confidence, without gradients.</summary>
    public (long[] Labels, float[] Confidence) Predict(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var probs = nn.functional.softmax(forward(input), 1);
        var (conf, idx) = probs.max(1);
        return (idx.cpu().data<long>().ToArray(), conf.to(ScalarType.Float32).cpu().data<float>().ToArray());
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _normalization.Dispose();
        base.Dispose(disposing);
    }

    private sealed class Restore(Action action) : IDisposable
    {
        private Action? _action = action;
        public void Dispose() { _action?.Invoke(); _action = null; }
    }
}
