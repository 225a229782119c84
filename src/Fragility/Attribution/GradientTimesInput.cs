using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// Gradient x input (Shrikumar et al. 2016, "Not just a black box"; Ancona et al. 2018): g * (x - r), with
/// g = d score_y / d x and r the reference (zero by default, i.e. the plain g * x).
/// </summary>
public sealed class GradientTimesInput : IAttributionMethod
{
    /// <summary>Creates the method; <paramref name="reference"/> defaults to <see cref="ZeroReference"/>.</summary>
    public GradientTimesInput(IReference? reference = null) => Reference = reference ?? ZeroReference.Instance;

    /// <summary>The reference r subtracted from the input.</summary>
    public IReference Reference { get; }

    /// <inheritdoc />
    public string Name => "grad_x_input";

    /// <inheritdoc />
    public string Description => $"grad_x_input(reference={Reference.Name})";

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => true;

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
    {
        var (attribution, logits) = AttributeWithLogits(model, input, target, createGraph);
        logits?.Dispose();
        return attribution;
    }

    /// <inheritdoc />
    public (Tensor Attribution, Tensor? Logits) AttributeWithLogits(Classifier model, Tensor input, Tensor target, bool createGraph = false)
    {
        Gradients.CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        var x = createGraph ? input : input.detach();
        var (g, logits) = Gradients.OfClassScoreWithLogits(model, x, target, createGraph);
        var attribution = g * (x - Reference.For(x));
        if (!createGraph) attribution = attribution.detach();
        return (attribution.MoveToOuterDisposeScope(), logits.MoveToOuterDisposeScope());
    }
}
