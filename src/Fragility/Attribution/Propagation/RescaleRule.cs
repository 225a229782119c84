using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// DeepLIFT's rescale rule for element-wise nonlinearities (Shrikumar, Greenside and Kundaje 2017): the multiplier of
/// y = act(z) is m = (act(z) - act(z_ref)) / (z - z_ref), and the derivative act'(z) where |z - z_ref| &lt;
/// <see cref="Threshold"/>; m_in = m * m_out. Written with torch.where and a safe denominator so that it is a
/// differentiable function of x without NaN gradients. Covers ReLU and the switchable ReLU/softplus activation.
/// </summary>
public sealed class RescaleRule : IPropagationRule
{
    /// <summary>|z - z_ref| below which the derivative replaces the difference quotient.</summary>
    public const double Threshold = 1e-6;

    /// <summary>The shared instance.</summary>
    public static RescaleRule Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "rescale";

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal)
    {
        if (state.ReferenceInput is null || state.ReferenceOutput is null)
            throw new InvalidOperationException("the rescale rule needs the reference's activations");
        using var scope = torch.NewDisposeScope();
        var dz = state.Input - state.ReferenceInput;
        var far = dz.abs() > Threshold;
        // The masked-out branch divides by 1, so its (discarded) gradient stays finite.
        var safe = torch.where(far, dz, torch.ones_like(dz));
        var slope = torch.where(far, (state.Output - state.ReferenceOutput) / safe, Derivative(layer, state.Input, state.LayerName));
        return (signal * slope).MoveToOuterDisposeScope();
    }

    /// <summary>act'(z) of the activation layer.</summary>
    private static Tensor Derivative(nn.Module<Tensor, Tensor> layer, Tensor z, string layerName) => layer switch
    {
        SwitchableActivation { Mode: ActivationMode.Softplus } a => torch.sigmoid(z * a.Beta),
        SwitchableActivation or ReLU => (z > 0).to(z.dtype),
        OnnxPiecewiseLinear => ElementwiseDerivative(layer, z),
        _ => throw LinearMaps.Unsupported(layer, layerName),
    };

    /// <summary>act'(z) of an elementwise activation by autograd (a sum's gradient), outside the caller's graph: it
    /// only fills in where z and z_ref coincide.</summary>
    private static Tensor ElementwiseDerivative(nn.Module<Tensor, Tensor> layer, Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        var u = z.detach().clone().requires_grad_(true);
        var y = layer.forward(u);
        if (!y.requires_grad || !y.shape.SequenceEqual(u.shape))
            throw new InvalidOperationException($"activation {layer.GetType().Name} is not elementwise");
        var g = torch.autograd.grad([y.sum()], [u], allow_unused: true)[0];
        return (g.IsInvalid ? torch.zeros_like(z) : g.detach()).MoveToOuterDisposeScope();
    }
}
