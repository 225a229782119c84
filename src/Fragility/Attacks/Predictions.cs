using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>Labels and softmax confidences for any floating dtype (Classifier.Predict reads float32 only).</summary>
internal static class Predictions
{
    public static (long[] Labels, float[] Confidence) Of(Classifier model, Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return FromLogits(model.forward(input.detach()));
    }

    /// <summary>Labels and confidences from logits [N, classes] already computed.</summary>
    public static (long[] Labels, float[] Confidence) FromLogits(Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (confidence, labels) = nn.functional.softmax(logits.detach(), 1).max(1);
        return (labels.cpu().data<long>().ToArray(), confidence.to(ScalarType.Float32).cpu().data<float>().ToArray());
    }
}
