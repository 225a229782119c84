using Fragility.Attribution;
using Fragility.Models;

namespace Fragility.Experiments;

/// <summary>The attribution methods a sweep or an attack command uses, by name (see <see cref="AttributionMethods.Names"/>).</summary>
public static class SweepMethods
{
    /// <summary>
    /// Makes methods by name through <see cref="AttributionMethods.Create"/>, with one reference for all of them and
    /// the given integration rule; the factory's <c>igSteps</c> sets the path points of integrated gradients.
    /// </summary>
    /// <param name="model">The model (its metadata holds the training-set mean image).</param>
    /// <param name="reference">Reference name (see <see cref="References.Create"/>); default "mean": the per-pixel
    /// training mean for small images, the per-channel mean for large ones (docs/method.md §2.5).</param>
    /// <param name="rule">Integration rule of integrated gradients; default the paper's right Riemann sum.</param>
    /// <param name="options">Other method settings (SmoothGrad's samples and noise...); reference, path points and
    /// rule are set from the other arguments.</param>
    public static SweepMethodFactory Create(Classifier model, string reference = "mean", IntegrationRule rule = IntegrationRule.RiemannRight,
        AttributionOptions? options = null)
        => Create(References.Create(model, reference), rule, options);

    /// <summary>Makes methods by name with <paramref name="reference"/> for all of them (a caller that makes several
    /// factories, or names the reference in its outputs, makes the reference once).</summary>
    /// <param name="reference">The reference of grad_x_input, IG and DeepLIFT.</param>
    /// <param name="rule">Integration rule of integrated gradients.</param>
    /// <param name="options">Other method settings; reference, path points and rule are set from the other arguments.</param>
    public static SweepMethodFactory Create(IReference reference, IntegrationRule rule = IntegrationRule.RiemannRight, AttributionOptions? options = null)
    {
        var basis = (options ?? new AttributionOptions()) with { Reference = reference, IgRule = rule };
        return (name, igSteps) => AttributionMethods.Create(name.Trim(), basis with { IgSteps = igSteps });
    }
}
