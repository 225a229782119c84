using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// Simple gradient (Simonyan et al. 2014; Baehrens et al. 2010): the gradient of the class score with respect to
/// the input, g = d score_y / d x.
/// </summary>
public sealed class SimpleGradient : IAttributionMethod
{
    /// <inheritdoc />
    public string Name => "gradient";

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => true;

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false) =>
        Gradients.OfClassScore(model, input, target, createGraph);

    /// <inheritdoc />
    public (Tensor Attribution, Tensor? Logits) AttributeWithLogits(Classifier model, Tensor input, Tensor target, bool createGraph = false) =>
        Gradients.OfClassScoreWithLogits(model, input, target, createGraph);
}
