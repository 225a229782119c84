using Fragility.Attribution.Propagation;
using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// Relevance propagation by deep Taylor decomposition (Montavon et al. 2017, "Explaining nonlinear classification
/// decisions with deep Taylor decomposition"; the paper's "relevance propagation"): the relevance R = score_y at the
/// target logit (zero at the others) is redistributed layer by layer with the z+ rule in every weighted layer after
/// the first and the bounded z^B rule at the first, with bounds = the valid pixel range [0, 1] through the model's
/// <see cref="ChannelNormalisation"/>; max-pools are winner-take-all, average pools proportional (z rule), and
/// activations and the input normalisation pass relevance unchanged (<see cref="Composite.DeepTaylor"/>). On a ReLU
/// network without biases the relevance sums to score_y(x). Differentiable in x on the ReLU network.
/// </summary>
public sealed class DeepTaylor : IAttributionMethod
{
    /// <inheritdoc />
    public string Name => "lrp";

    /// <inheritdoc />
    public string Description => "lrp(zB first layer, z+ elsewhere)";

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => false;

    /// <summary>The rules for <paramref name="model"/> (the z^B box depends on its normalisation).</summary>
    public static Composite CompositeFor(Classifier model)
    {
        var (low, high) = model.Normalisation.NormalisedBounds(0.0, 1.0);
        return Composite.DeepTaylor(low, high);
    }

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false) =>
        Relevance.Propagate(model, input, target, CompositeFor(model), createGraph);

    /// <inheritdoc />
    public (Tensor Attribution, Tensor? Logits) AttributeWithLogits(Classifier model, Tensor input, Tensor target, bool createGraph = false) =>
        Relevance.PropagateWithLogits(model, input, target, CompositeFor(model), createGraph);
}
