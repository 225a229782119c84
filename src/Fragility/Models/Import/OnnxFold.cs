namespace Fragility.Models.Import;

/// <summary>
/// Row-major arrays of doubles for folding an ONNX graph's shape arithmetic in C# at import (Shape, Gather, Concat,
/// Slice, Range, Where...): these values never reach libtorch, so a hostile graph cannot crash the process here.
/// Callers check shapes first (<see cref="OnnxShapeInference"/>); these helpers only move numbers.
/// </summary>
internal static class OnnxFold
{
    /// <summary>Element strides of a row-major array of <paramref name="shape"/>.</summary>
    public static long[] Strides(long[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>An array of <paramref name="shape"/> whose element at each index is <paramref name="at"/>(index).</summary>
    public static double[] Build(long[] shape, Func<long[], double> at)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var result = new double[count];
        var index = new long[shape.Length];
        for (long k = 0; k < count; k++)
        {
            result[k] = at(index);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
        return result;
    }

    /// <summary>Element of (<paramref name="data"/>, <paramref name="shape"/>) at an index of a broadcast shape
    /// (numpy rules: trailing dimensions aligned, size-1 dimensions repeated).</summary>
    public static double Broadcasted(double[] data, long[] shape, long[] index)
    {
        long offset = 0, stride = 1;
        for (int i = shape.Length - 1, j = index.Length - 1; i >= 0; i--, j--)
        {
            offset += (shape[i] == 1 ? 0 : index[j]) * stride;
            stride *= shape[i];
        }
        return data[offset];
    }

    /// <summary>Elementwise <paramref name="f"/> of broadcast operands into <paramref name="outShape"/>.</summary>
    public static double[] Elementwise(long[] outShape, IReadOnlyList<(double[] Data, long[] Shape)> operands, Func<double[], double> f) =>
        Build(outShape, idx => f(operands.Select(o => Broadcasted(o.Data, o.Shape, idx)).ToArray()));

    /// <summary>ONNX Gather along <paramref name="axis"/> with (already range-checked, non-negative) indices.</summary>
    public static double[] Gather(double[] data, long[] shape, long[] indices, long[] indexShape, int axis, long[] outShape)
    {
        var strides = Strides(shape);
        int q = indexShape.Length;
        var indexStrides = Strides(indexShape);
        return Build(outShape, idx =>
        {
            long offset = 0;
            for (int d = 0; d < axis; d++) offset += idx[d] * strides[d];
            long flat = 0;
            for (int d = 0; d < q; d++) flat += idx[axis + d] * indexStrides[d];
            offset += indices[flat] * strides[axis];
            for (int d = axis + 1; d < shape.Length; d++) offset += idx[d + q - 1] * strides[d];
            return data[offset];
        });
    }

    /// <summary>Strided selection: along each axis d, elements start[d] + i * step[d] for i below outShape[d].</summary>
    public static double[] Slice(double[] data, long[] shape, long[] start, long[] step, long[] outShape)
    {
        var strides = Strides(shape);
        return Build(outShape, idx =>
        {
            long offset = 0;
            for (int d = 0; d < shape.Length; d++) offset += (start[d] + idx[d] * step[d]) * strides[d];
            return data[offset];
        });
    }

    /// <summary>Axes permuted: output axis d is input axis perm[d].</summary>
    public static double[] Transpose(double[] data, long[] shape, long[] perm, long[] outShape)
    {
        var strides = Strides(shape);
        return Build(outShape, idx =>
        {
            long offset = 0;
            for (int d = 0; d < perm.Length; d++) offset += idx[d] * strides[perm[d]];
            return data[offset];
        });
    }

    /// <summary>Arrays joined along <paramref name="axis"/>.</summary>
    public static double[] Concat(IReadOnlyList<(double[] Data, long[] Shape)> parts, int axis, long[] outShape)
    {
        var starts = new long[parts.Count];
        for (int i = 1; i < parts.Count; i++) starts[i] = starts[i - 1] + parts[i - 1].Shape[axis];
        return Build(outShape, idx =>
        {
            int p = 0;
            while (p + 1 < parts.Count && idx[axis] >= starts[p + 1]) p++;
            var (data, shape) = parts[p];
            var strides = Strides(shape);
            long offset = 0;
            for (int d = 0; d < shape.Length; d++) offset += (d == axis ? idx[d] - starts[p] : idx[d]) * strides[d];
            return data[offset];
        });
    }
}
