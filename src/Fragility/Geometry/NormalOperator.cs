using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// The normal operator <c>A^T A</c> of a linear map A given with its transpose, on a batch of one: symmetric and positive
/// semi-definite, its largest eigenvalue is the square of A's spectral norm (<see cref="OperatorNorm"/>). Vectors are
/// flat rows [1, D]; A sees them in <see cref="InputShape"/> (e.g. [1, C, H, W] for a convolution).
/// </summary>
/// <param name="apply">x to A x, x shaped <paramref name="inputShape"/>.</param>
/// <param name="transpose">y to A^T y; must return <paramref name="inputShape"/>.</param>
/// <param name="inputShape">Shape of x, batch dimension (1) included.</param>
public sealed class NormalOperator(Func<Tensor, Tensor> apply, Func<Tensor, Tensor> transpose, long[] inputShape) : ILinearOperator
{
    /// <summary>Shape of A's input, batch dimension included.</summary>
    public long[] InputShape { get; } = inputShape;

    /// <inheritdoc />
    public long Dimension => InputShape.Skip(1).Aggregate(1L, (a, b) => a * b);

    /// <inheritdoc />
    public bool IsSymmetric => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor vectors) => Transpose(Map(vectors));

    /// <summary>A x for flat rows x [1, D], in A's output shape.</summary>
    public Tensor Map(Tensor vectors) => apply(vectors.reshape(InputShape));

    /// <summary>A^T y for y in A's output shape, as flat rows [1, D].</summary>
    public Tensor Transpose(Tensor outputs)
    {
        var w = transpose(outputs);
        if (!w.shape.SequenceEqual(InputShape))
            throw new InvalidOperationException($"transpose returned [{string.Join(",", w.shape)}] for input [{string.Join(",", InputShape)}]");
        return w.reshape(1, -1);
    }
}
