using Fragility.Attribution.Propagation;
using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// Epsilon-LRP (Bach et al. 2015, "On pixel-wise explanations for non-linear classifier decisions by layer-wise
/// relevance propagation"): relevance R = score_y at the target logit, redistributed by the epsilon rule
/// R_in = a * W^T (R_out / (z + epsilon sign z)) in every Conv2d/Linear (the first included; z with bias), otherwise
/// as <see cref="DeepTaylor"/>. The default epsilon 0.25 (pre-activation units) absorbs weak contributions and keeps
/// the method distinct from gradient x input, which it approaches as epsilon -> 0 (Ancona et al. 2018); relevance is
/// then not exactly conserved. Differentiable in x on the ReLU network.
/// </summary>
public sealed class LrpEpsilon : IAttributionMethod
{
    /// <summary>The default stabiliser.</summary>
    public const double DefaultEpsilon = 0.25;

    /// <summary>Creates the method with stabiliser <paramref name="epsilon"/> (positive).</summary>
    public LrpEpsilon(double epsilon = DefaultEpsilon) => Composite = Composite.Epsilon(epsilon);

    /// <summary>The rules per layer.</summary>
    public Composite Composite { get; }

    /// <inheritdoc />
    public string Name => "lrp_epsilon";

    /// <inheritdoc />
    public string Description => $"lrp_{Composite.Name}";

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => false;

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false) =>
        Relevance.Propagate(model, input, target, Composite, createGraph);

    /// <inheritdoc />
    public (Tensor Attribution, Tensor? Logits) AttributeWithLogits(Classifier model, Tensor input, Tensor target, bool createGraph = false) =>
        Relevance.PropagateWithLogits(model, input, target, Composite, createGraph);
}
