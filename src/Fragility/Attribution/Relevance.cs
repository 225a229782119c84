using Fragility.Attribution.Propagation;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>Runs relevance propagation: R = one-hot(y) * logits at the output, walked back to the pixels.</summary>
public static class Relevance
{
    /// <summary>Relevance per input pixel [N, C, H, W] for classes <paramref name="target"/> under
    /// <paramref name="composite"/>; with <paramref name="createGraph"/> differentiable in the input.</summary>
    public static Tensor Propagate(Classifier model, Tensor input, Tensor target, Composite composite, bool createGraph)
    {
        var (relevance, logits) = PropagateWithLogits(model, input, target, composite, createGraph);
        logits?.Dispose();
        return relevance;
    }

    /// <summary><see cref="Propagate"/>, also returning the model's logits at the input (detached) when no canonizer
    /// rewrote the network on the way (see <see cref="IAttributionMethod.AttributeWithLogits"/>), else null.</summary>
    public static (Tensor Relevance, Tensor? Logits) PropagateWithLogits(Classifier model, Tensor input, Tensor target, Composite composite, bool createGraph)
    {
        Gradients.CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        using var mode = createGraph ? torch.enable_grad() : torch.no_grad();
        var x = createGraph ? input : input.detach();
        var walk = PropagationWalker.Propagate(model.PropagationLayers, x, null, composite,
            (y, _) => nn.functional.one_hot(target, y.shape[1]).to(y.dtype) * y);
        var relevance = createGraph ? walk.InputSignal : walk.InputSignal.detach();
        return (relevance.MoveToOuterDisposeScope(), walk.ModelOutput?.detach().MoveToOuterDisposeScope());
    }
}
