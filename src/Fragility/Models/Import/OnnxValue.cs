namespace Fragility.Models.Import;

/// <summary>The element kinds an ONNX value can have in a graph Fragility runs.</summary>
internal enum OnnxElement
{
    /// <summary>float16, bfloat16, float32 or float64 (computed in float32 or float64).</summary>
    Float,

    /// <summary>Any integer type (shape arithmetic, indices).</summary>
    Int,

    /// <summary>bool (masks of shape arithmetic).</summary>
    Bool,
}

/// <summary>What <see cref="OnnxShapeInference"/> knows of one value of the graph, for one batch size.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="Element">The element kind.</param>
/// <param name="Computed">True when the value depends on the input image's pixels (it is computed at run time);
/// false for weights, constants and shape arithmetic, which are folded at import.</param>
/// <param name="Values">The contents (row-major) of a value that is not computed and small enough to fold in C#,
/// else null.</param>
internal sealed record OnnxValue(long[] Shape, OnnxElement Element, bool Computed, double[]? Values)
{
    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>The shape as "[a,b,c]" for messages.</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";
}
