using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>A layer that is affine in its input with fixed operands (multiplication or addition of constants,
/// padding, an asymmetrically padded convolution or average pool): DeepLIFT's linear rule applies, and relevance
/// passes by the proportional z rule.</summary>
public sealed class AffineOp : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _inner;

    /// <summary>Wraps <paramref name="inner"/>, which must be affine (the caller's responsibility).</summary>
    public AffineOp(nn.Module<Tensor, Tensor> inner, string operatorType) : base("affine")
    {
        _inner = inner;
        OperatorType = operatorType;
    }

    /// <summary>The operator it stands for, for messages.</summary>
    public string OperatorType { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _inner.forward(input);
}
