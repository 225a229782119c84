using System.Runtime.InteropServices;
using Fragility.Models.Import.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>Converts ONNX TensorProtos (initializers, Constant values) to TorchSharp tensors.</summary>
internal static class OnnxTensors
{
    /// <summary>Whether the ONNX element type is a floating-point type (a weight, not a shape constant).</summary>
    public static bool IsFloat(TensorProto t) =>
        (TensorProto.Types.DataType)t.DataType is TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double
            or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16;

    /// <summary>Whether the tensor carries no data (Fragility strips float initializers from the graph it stores;
    /// the weights travel in the state_dict).</summary>
    public static bool HasNoData(TensorProto t) =>
        t.RawData.IsEmpty && t.FloatData.Count == 0 && t.DoubleData.Count == 0 && t.Int32Data.Count == 0 && t.Int64Data.Count == 0;

    /// <summary>Converts <paramref name="t"/>; float16/bfloat16 become float32, int32/int8/uint8/bool become int64.
    /// With <paramref name="zerosIfEmpty"/>, a tensor without data becomes zeros of its shape.</summary>
    public static Tensor ToTensor(TensorProto t, string source, bool zerosIfEmpty = false)
    {
        long[] dims = t.Dims.ToArray();
        long count = dims.Aggregate(1L, (a, b) => a * b);
        string what = string.IsNullOrEmpty(t.Name) ? "a constant" : $"tensor '{t.Name}'";
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new FragilityException($"'{source}': {what} keeps its data in an external file, which Fragility does not read. Save the model as one file: onnx.save(model, path, save_as_external_data=False).");
        if (dims.Any(d => d < 0)) throw new FragilityException($"'{source}': {what} has a negative dimension; the file is corrupt.");
        var type = (TensorProto.Types.DataType)t.DataType;
        if (zerosIfEmpty && count > 0 && HasNoData(t))
            return torch.zeros(dims, IsFloat(t) && type == TensorProto.Types.DataType.Double ? ScalarType.Float64 : IsFloat(t) ? ScalarType.Float32 : ScalarType.Int64);
        byte[] raw = t.RawData.ToByteArray();
        Tensor Check<T>(T[] values, Func<T[], Tensor> make)
        {
            if (values.LongLength != count)
                throw new FragilityException($"'{source}': {what} has {values.LongLength} values for shape [{string.Join(",", dims)}]; the file is truncated or corrupt.");
            using var flat = make(values);
            return flat.reshape(dims);
        }
        bool useRaw = raw.Length > 0;
        return type switch
        {
            TensorProto.Types.DataType.Float => Check(useRaw ? Cast<float>(raw) : t.FloatData.ToArray(), v => torch.tensor(v)),
            TensorProto.Types.DataType.Double => Check(useRaw ? Cast<double>(raw) : t.DoubleData.ToArray(), v => torch.tensor(v)),
            TensorProto.Types.DataType.Int64 => Check(useRaw ? Cast<long>(raw) : t.Int64Data.ToArray(), v => torch.tensor(v)),
            TensorProto.Types.DataType.Int32 => Check(useRaw ? Cast<int>(raw).Select(v => (long)v).ToArray() : t.Int32Data.Select(v => (long)v).ToArray(), v => torch.tensor(v)),
            TensorProto.Types.DataType.Int8 => Check(useRaw ? raw.Select(b => (long)(sbyte)b).ToArray() : t.Int32Data.Select(v => (long)v).ToArray(), v => torch.tensor(v)),
            TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool =>
                Check(useRaw ? raw.Select(b => (long)b).ToArray() : t.Int32Data.Select(v => (long)v).ToArray(), v => torch.tensor(v)),
            // float16 values sit in int32_data as bit patterns when not raw (ONNX's convention).
            TensorProto.Types.DataType.Float16 => Check(useRaw ? Cast<Half>(raw).Select(h => (float)h).ToArray()
                : t.Int32Data.Select(v => (float)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(), v => torch.tensor(v)),
            TensorProto.Types.DataType.Bfloat16 => Check(useRaw ? Cast<ushort>(raw).Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray()
                : t.Int32Data.Select(v => BitConverter.Int32BitsToSingle(v << 16)).ToArray(), v => torch.tensor(v)),
            _ => throw new FragilityException($"'{source}': {what} has ONNX element type {type}, which Fragility does not read. Export the model with float32 weights."),
        };
    }

    private static T[] Cast<T>(byte[] raw) where T : unmanaged
    {
        if (raw.Length % Marshal.SizeOf<T>() != 0) return [];
        return MemoryMarshal.Cast<byte, T>(raw).ToArray();
    }
}
