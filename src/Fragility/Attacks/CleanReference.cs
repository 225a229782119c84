using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// What every attack compares against, computed once per batch and method on the original ReLU network: the clean
/// inputs x0, their predicted labels y (the class every map explains), the softmax confidence of y and the clean
/// saliency maps S(x0) of the evaluation method.
/// </summary>
public sealed class CleanReference : IDisposable
{
    private CleanReference(Tensor inputs, long[] labels, float[] confidence, Tensor maps)
    {
        Inputs = inputs;
        Labels = labels;
        Confidence = confidence;
        Maps = maps;
        LabelTensor = torch.tensor(labels, dtype: ScalarType.Int64, device: inputs.device);
    }

    /// <summary>Clean inputs x0 [N, C, H, W], pixel scale [0, 1] (a detached copy).</summary>
    public Tensor Inputs { get; }

    /// <summary>Predicted label of each clean input on the ReLU network.</summary>
    public IReadOnlyList<long> Labels { get; }

    /// <summary>The labels as an int64 tensor [N].</summary>
    public Tensor LabelTensor { get; }

    /// <summary>Softmax confidence of the predicted label, in [0, 1].</summary>
    public IReadOnlyList<float> Confidence { get; }

    /// <summary>Clean saliency maps [N, H, W] (absolute value, channel sum, normalised to sum 1) of the evaluation
    /// method on the ReLU network, for the predicted labels.</summary>
    public Tensor Maps { get; }

    /// <summary>Number of inputs.</summary>
    public int Count => Labels.Count;

    /// <summary>Map height in pixels.</summary>
    public int Height => (int)Maps.shape[1];

    /// <summary>Map width in pixels.</summary>
    public int Width => (int)Maps.shape[2];

    /// <summary>Predicts labels and computes the clean maps of <paramref name="inputs"/> [N, C, H, W] with
    /// <paramref name="method"/> on the ReLU network (whatever mode the model was in is restored afterwards).</summary>
    public static CleanReference Compute(Classifier model, IAttributionMethod method, Tensor inputs)
    {
        if (inputs.dim() != 4) throw new ArgumentException($"inputs must be [N,C,H,W], got [{string.Join(",", inputs.shape)}]");
        using var relu = model.UseRelu();
        var x0 = inputs.detach().clone();
        var (labels, confidence) = Predictions.Of(model, x0);
        Tensor maps;
        using (var scope = torch.NewDisposeScope())
        {
            using var target = torch.tensor(labels, dtype: ScalarType.Int64, device: x0.device);
            maps = SaliencyMaps.FromAttribution(method.Attribute(model, x0, target)).detach().MoveToOuterDisposeScope();
        }
        return new CleanReference(x0, labels, confidence, maps);
    }

    /// <summary>A new reference holding the inputs at <paramref name="positions"/> (batch positions, copied).</summary>
    public CleanReference Select(IReadOnlyList<int> positions)
    {
        Tensor inputs, maps;
        using (var scope = torch.NewDisposeScope())
        {
            var idx = torch.tensor(positions.Select(p => (long)p).ToArray(), dtype: ScalarType.Int64, device: Inputs.device);
            inputs = Inputs.index_select(0, idx).MoveToOuterDisposeScope();
            maps = Maps.index_select(0, idx).MoveToOuterDisposeScope();
        }
        // Outside the scope: the constructor's LabelTensor would otherwise be disposed with it (a resumed partial batch crashed).
        return new CleanReference(inputs, positions.Select(p => Labels[p]).ToArray(), positions.Select(p => Confidence[p]).ToArray(), maps);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        Maps.Dispose();
        LabelTensor.Dispose();
    }
}
