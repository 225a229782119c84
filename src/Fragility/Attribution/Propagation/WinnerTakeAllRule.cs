using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>LRP through max-pooling, winner-take-all (Bach et al. 2015; Montavon et al. 2017): each window's
/// relevance goes entirely to the position of its maximum (summed where windows overlap). Conserves relevance.</summary>
public sealed class WinnerTakeAllRule : IPropagationRule
{
    /// <summary>The shared instance.</summary>
    public static WinnerTakeAllRule Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "winner-take-all";

    /// <inheritdoc />
    public Tensor Backward(nn.Module<Tensor, Tensor> layer, LayerState state, Tensor signal)
    {
        if (layer is not MaxPool2d pool) throw LinearMaps.Unsupported(layer, state.LayerName);
        using var scope = torch.NewDisposeScope();
        var (_, argmax) = MaxPoolRouting.WithIndices(pool, state.Input);
        return MaxPoolRouting.Scatter(argmax, signal, state.Input.shape).MoveToOuterDisposeScope();
    }
}
