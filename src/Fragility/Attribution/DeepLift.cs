using Fragility.Attribution.Propagation;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// DeepLIFT with the rescale rule (Shrikumar, Greenside and Kundaje 2017, "Learning important features through
/// propagating activation differences"): multipliers m of score_y with respect to every layer's input, propagated
/// backwards from m = one-hot(y) at the logits by the linear rule through affine layers and average pools, the
/// rescale rule (act(z) - act(z_ref)) / (z - z_ref) at activations, and the <see cref="Propagation.MaxPoolMode"/>
/// at max-pools; attribution m * (x - r). With the default completeness-keeping max-pool rule, the attributions sum to
/// score_y(x) - score_y(r) exactly (up to rounding; see <see cref="CompletenessError"/>). The multipliers are
/// differentiable functions of x, so an attack can differentiate the map on the ReLU network itself (docs/method.md §4.3).
/// </summary>
public sealed class DeepLift : IReferencePropagation
{
    private readonly ReferenceTape? _tape;

    /// <summary>Creates the method.</summary>
    /// <param name="reference">Reference r (default <see cref="ZeroReference"/>; the project's default is the data
    /// set's mean image, which the caller passes as a <see cref="MeanImageReference"/>).</param>
    /// <param name="maxPoolMode">Max-pool rule (default: keep completeness).</param>
    public DeepLift(IReference? reference = null, MaxPoolMode maxPoolMode = MaxPoolMode.KeepCompleteness)
        : this(reference, maxPoolMode, null)
    {
    }

    private DeepLift(IReference? reference, MaxPoolMode maxPoolMode, ReferenceTape? tape)
    {
        Reference = reference ?? ZeroReference.Instance;
        MaxPoolMode = maxPoolMode;
        Composite = Composite.DeepLiftRescale(maxPoolMode);
        _tape = tape;
    }

    /// <summary>The reference r.</summary>
    public IReference Reference { get; }

    /// <summary>The max-pool rule.</summary>
    public MaxPoolMode MaxPoolMode { get; }

    /// <summary>The rules per layer.</summary>
    public Composite Composite { get; }

    /// <inheritdoc />
    public string Name => MaxPoolMode == MaxPoolMode.Gradient ? "deeplift_gradmax" : "deeplift";

    /// <inheritdoc />
    public string Description => $"{Composite.Name.TrimEnd(')')}, reference={Reference.Name})";

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => false;

    /// <inheritdoc />
    public IAttributionMethod WithTape(ReferenceTape tape) => Reference.DependsOnInputValues ? this : new DeepLift(Reference, MaxPoolMode, tape);

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
        using var mode = createGraph ? torch.enable_grad() : torch.no_grad();
        var x = createGraph ? input : input.detach();
        _tape?.Begin(x);
        var r = ReferenceTape.Of(_tape, () => Reference.For(x));
        var walk = PropagationWalker.Propagate(model.PropagationLayers, x, r, Composite,
            (y, _) => nn.functional.one_hot(target, y.shape[1]).to(y.dtype), _tape);
        var attribution = walk.InputSignal * (x - r);
        if (!createGraph) attribution = attribution.detach();
        return (attribution.MoveToOuterDisposeScope(), walk.ModelOutput?.detach().MoveToOuterDisposeScope());
    }

    /// <summary>Completeness error of an attribution this method computed for <paramref name="input"/> and
    /// <paramref name="target"/>: per input |sum attr - (score_y(x) - score_y(r))| and its ratio to
    /// |score_y(x) - score_y(r)|.</summary>
    public CompletenessError CompletenessError(Classifier model, Tensor input, Tensor target, Tensor attribution)
    {
        using var _ = torch.no_grad();
        using var r = Reference.For(input.detach());
        return Completeness.Measure(model, input, r, target, attribution);
    }

    /// <summary>The attribution (no graph) together with its completeness error, as every DeepLIFT map is reported.</summary>
    public (Tensor Attribution, CompletenessError Error) AttributeWithCompleteness(Classifier model, Tensor input, Tensor target)
    {
        var attribution = Attribute(model, input, target);
        return (attribution, CompletenessError(model, input, target, attribution));
    }
}
