using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// An activation whose nonlinearity (ReLU or softplus with parameter beta) can be switched on a loaded
/// model. It has no parameters and no buffers, so switching never changes the saved weights
/// (TorchSharp cannot replace a child of a Sequential after construction; docs/platform.md §5).
/// </summary>
public sealed class SwitchableActivation : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates a ReLU activation.</summary>
    public SwitchableActivation(string name = "activation") : base(name) { }

    /// <summary>The nonlinearity currently computed.</summary>
    public ActivationMode Mode { get; set; } = ActivationMode.Relu;

    /// <summary>Softplus sharpness beta (softplus_beta(z) = log(1+exp(beta z))/beta); larger is closer to ReLU.</summary>
    public double Beta { get; set; } = 1.0;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Mode switch
    {
        // threshold 20/beta keeps softplus exact in float32 and linear beyond, as PyTorch does.
        ActivationMode.Softplus => nn.functional.softplus(input, Beta, 20.0),
        _ => nn.functional.relu(input),
    };
}
