using MathNet.Numerics.LinearAlgebra;
using Fragility.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>
/// The features phi(x) of influence functions: the input of the model's last linear layer, computed by the frozen
/// network from pixel-scale input in [0, 1] (the model's normalisation included). Runs <see cref="Classifier.Layers"/>
/// up to, not including, the last top-level <c>nn.Linear</c>; the result is differentiable in x.
/// </summary>
/// <remarks>
/// Features follow the classifier's current activation mode, so inside <see cref="Classifier.UseSoftplus"/> they are
/// those of the softplus twin. Layers after the last linear layer (if any) are replaced by the influence head.
/// </remarks>
public sealed class PenultimateFeatures
{
    private readonly IReadOnlyList<LayerNode> _chain;
    private readonly IReadOnlyList<LayerNode> _tail;

    /// <summary>Finds the last linear layer of <paramref name="model"/>.</summary>
    /// <exception cref="FragilityException">The model has no top-level linear layer.</exception>
    public PenultimateFeatures(Classifier model)
    {
        Model = model;
        if (model.Network is Models.Import.OnnxNetwork { IsLayerChain: false } onnx)
            throw new FragilityException($"Influence functions need the input of the model's last linear layer, but this imported ONNX graph is not a chain of layers ({onnx.LayerChainUnavailableReason}). Use a model whose layers run one after the other, such as a registry architecture.");
        var layers = model.Layers;
        int last = -1;
        for (int i = 0; i < layers.Count; i++)
            if (layers[i] is ModuleNode { Module: Linear }) last = i;
        if (last < 0)
            throw new FragilityException($"Model '{model.Metadata.Architecture}' has no linear (nn.Linear) layer, so it has no penultimate features for an influence head. Use a model that ends in a linear layer (small-cnn, paper-cnn).");
        var node = (ModuleNode)layers[last];
        LastLayer = (Linear)node.Module;
        LastLayerName = node.Name;
        _chain = layers.Take(last).ToList();
        _tail = layers.Skip(last).ToList();
        Dimension = (int)LastLayer.in_features;
    }

    /// <summary>The frozen network.</summary>
    public Classifier Model { get; }

    /// <summary>The last linear layer, whose input phi is.</summary>
    public Linear LastLayer { get; }

    /// <summary>Dotted name of the last linear layer (e.g. "classifier.3").</summary>
    public string LastLayerName { get; }

    /// <summary>Feature length d (the last linear layer's in_features).</summary>
    public int Dimension { get; }

    /// <summary>phi(x) [N, d] of pixel-scale images [N, C, H, W]; differentiable in the images.</summary>
    public Tensor Forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var phi = LayerChain.Forward(_chain, images);
        if (phi.dim() != 2) phi = phi.flatten(1);
        return phi.MoveToOuterDisposeScope();
    }

    /// <summary>The network's logits from phi: the last linear layer and any layers after it (so one forward pass gives both).</summary>
    public Tensor Logits(Tensor phi) => LayerChain.Forward(_tail, phi);

    /// <summary>phi(x) of all images as a float64 matrix (N x d), without gradients, in batches of <paramref name="batchSize"/>.</summary>
    public Matrix<double> Compute(Tensor images, int batchSize = 256)
    {
        long n = images.shape[0];
        var result = Matrix<double>.Build.Dense((int)n, Dimension);
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            long len = Math.Min(batchSize, n - start);
            var phi = Forward(images.narrow(0, start, len)).to(ScalarType.Float64).contiguous();
            var values = phi.cpu().data<double>().ToArray();
            for (int i = 0; i < len; i++)
                for (int j = 0; j < Dimension; j++) result[(int)start + i, j] = values[i * Dimension + j];
        }
        return result;
    }

    /// <summary>phi of a batch as float64 row arrays, without gradients.</summary>
    public double[][] ComputeRows(Tensor images)
    {
        var m = Compute(images);
        return Enumerable.Range(0, m.RowCount).Select(i => m.Row(i).ToArray()).ToArray();
    }
}
