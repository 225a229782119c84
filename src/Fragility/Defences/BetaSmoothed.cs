using System.Globalization;
using Fragility.Attribution;
using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Defences;

/// <summary>
/// Beta-smoothed explanations (Dombrowski, Alber, Anders, Ackermann, Mueller and Kessel 2019, "Explanations can be
/// manipulated and geometry is to blame", NeurIPS, §4): the map of a gradient-based method computed on the network's
/// softplus twin (every ReLU replaced by softplus_beta(z) = log(1 + exp(beta z)) / beta, same weights) instead of
/// the ReLU network. Smaller beta bounds the curvature of the map more tightly (its principal curvatures scale with
/// beta) at the price of a map further from the ReLU network's. The prediction is untouched: labels still come from
/// the ReLU network. The map is a smooth function of x, so an attack differentiates it directly
/// (<see cref="NeedsSmoothTwinForAttack"/> is false): the adaptive attack targets the smoothed map itself.
/// </summary>
public sealed class BetaSmoothed : IAttributionMethod
{
    /// <summary>Creates the defence around a gradient-based method.</summary>
    /// <param name="inner">The method (one that needs the smooth twin to be attacked: gradient, gradient x input,
    /// integrated gradients, SmoothGrad of these).</param>
    /// <param name="beta">Softplus beta of the explanation (positive; Dombrowski et al. use values of about 0.8-3 on
    /// their networks; the attack twin of the paper's code has beta 1).</param>
    public BetaSmoothed(IAttributionMethod inner, double beta)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.NeedsSmoothTwinForAttack)
            throw new FragilityException($"Beta-smoothing applies to gradient-based methods; '{inner.Name}' has its own propagation rules. Use it with gradient, grad_x_input, ig or smoothgrad.");
        if (!(beta > 0 && double.IsFinite(beta)))
            throw new FragilityException($"The beta of a beta-smoothed explanation must be a positive number, got {beta.ToString(CultureInfo.InvariantCulture)}.");
        Inner = inner;
        Beta = beta;
    }

    /// <summary>The wrapped method.</summary>
    public IAttributionMethod Inner { get; }

    /// <summary>Softplus beta of the explanation.</summary>
    public double Beta { get; }

    /// <inheritdoc />
    public string Name => Inner.Name + "_beta";

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"beta_smoothed({Inner.Description}, beta={Beta:R})");

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => false;

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
    {
        using var twin = model.UseSoftplus(Beta);
        return Inner.Attribute(model, input, target, createGraph);
    }
}
