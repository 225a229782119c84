using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// A feature-importance method: maps an input batch and target classes to a signed attribution of the input's
/// shape. Every method is a differentiable function of the input: with createGraph the result
/// keeps its autograd graph so an attack can take grad_x of a function of the map (docs/method.md §4.3).
/// </summary>
public interface IAttributionMethod
{
    /// <summary>Short name used on the command line and in result files ("gradient", "ig", "deeplift", ...).</summary>
    string Name { get; }

    /// <summary>The name with every setting that changes the result, e.g. "ig(riemann_right, M=100, reference=zero)",
    /// for result files and reports.</summary>
    string Description => Name;

    /// <summary>
    /// True when the map of a ReLU network is piecewise constant in x (gradient-based methods), so an attack must
    /// differentiate it on the softplus twin; false when the method's own rules are differentiable on the ReLU
    /// network (DeepLIFT, relevance propagation).
    /// </summary>
    bool NeedsSmoothTwinForAttack { get; }

    /// <summary>Signed attribution for <paramref name="input"/> [N, C, H, W] (pixel scale) towards class
    /// <paramref name="target"/> [N] (int64), computed on the class score (logit).</summary>
    /// <param name="model">The model, in whatever activation mode the caller set.</param>
    /// <param name="input">Pixel-scale input in [0, 1].</param>
    /// <param name="target">Class per input.</param>
    /// <param name="createGraph">Keep the graph so the attribution can be differentiated with respect to the input.</param>
    Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false);

    /// <summary><see cref="Attribute"/>, also returning the model's logits [N, classes] at <paramref name="input"/>
    /// (detached) when the method's own pass computes them bit for bit as <c>model.forward</c> would, else null. An
    /// attack's label check of an iterate then needs no forward pass of its own.</summary>
    (Tensor Attribution, Tensor? Logits) AttributeWithLogits(Classifier model, Tensor input, Tensor target, bool createGraph = false) =>
        (Attribute(model, input, target, createGraph), null);
}
