using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>A layer that only moves or copies values (reshape, transpose, slice, gather, split, expand): every
/// propagated signal goes back along its transpose, unchanged in total for a permutation.</summary>
public sealed class RoutingOp : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _inner;

    /// <summary>Wraps <paramref name="inner"/>, which must be such a map (the caller's responsibility).</summary>
    public RoutingOp(nn.Module<Tensor, Tensor> inner, string operatorType) : base("routing")
    {
        _inner = inner;
        OperatorType = operatorType;
    }

    /// <summary>The operator it stands for, for messages.</summary>
    public string OperatorType { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _inner.forward(input);
}
