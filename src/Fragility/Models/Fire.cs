using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// SqueezeNet's fire module (Iandola et al. 2016): a 1x1 squeeze convolution, then 1x1 and 3x3 expand
/// convolutions whose outputs are concatenated along channels. Field names equal torchvision's, so its
/// state_dict keys are "squeeze.weight", "expand1x1.weight", "expand3x3.weight" and their biases.
/// </summary>
public sealed class Fire : nn.Module<Tensor, Tensor>, ILayerChain
{
#pragma warning disable IDE1006 // torchvision's names
    private readonly Conv2d squeeze;
    private readonly SwitchableActivation squeeze_activation;
    private readonly Conv2d expand1x1;
    private readonly SwitchableActivation expand1x1_activation;
    private readonly Conv2d expand3x3;
    private readonly SwitchableActivation expand3x3_activation;
#pragma warning restore IDE1006
    private readonly string _prefix;

    /// <summary>Creates a fire module with torchvision's channel arguments.</summary>
    public Fire(long inplanes, long squeezePlanes, long expand1x1Planes, long expand3x3Planes, string prefix = "") : base("Fire")
    {
        squeeze = nn.Conv2d(inplanes, squeezePlanes, 1);
        squeeze_activation = new SwitchableActivation();
        expand1x1 = nn.Conv2d(squeezePlanes, expand1x1Planes, 1);
        expand1x1_activation = new SwitchableActivation();
        expand3x3 = nn.Conv2d(squeezePlanes, expand3x3Planes, 3, padding: 1);
        expand3x3_activation = new SwitchableActivation();
        _prefix = prefix;
        RegisterComponents();
    }

    /// <inheritdoc />
    public IReadOnlyList<LayerNode> Layers =>
    [
        new ModuleNode(squeeze, LayerChain.Join(_prefix, "squeeze")),
        new ModuleNode(squeeze_activation, LayerChain.Join(_prefix, "squeeze_activation")),
        new ConcatNode(
        [
            [new ModuleNode(expand1x1, LayerChain.Join(_prefix, "expand1x1")), new ModuleNode(expand1x1_activation, LayerChain.Join(_prefix, "expand1x1_activation"))],
            [new ModuleNode(expand3x3, LayerChain.Join(_prefix, "expand3x3")), new ModuleNode(expand3x3_activation, LayerChain.Join(_prefix, "expand3x3_activation"))],
        ]),
    ];

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var s = squeeze_activation.forward(squeeze.forward(input));
        using var a = expand1x1_activation.forward(expand1x1.forward(s));
        using var b = expand3x3_activation.forward(expand3x3.forward(s));
        return torch.cat([a, b], 1);
    }
}
