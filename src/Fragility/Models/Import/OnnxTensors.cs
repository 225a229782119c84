using System.Runtime.InteropServices;
using Fragility.Models.Import.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using DataType = Fragility.Models.Import.Onnx.TensorProto.Types.DataType;

namespace Fragility.Models.Import;

/// <summary>Converts ONNX TensorProtos (initializers, Constant values) to arrays and TorchSharp tensors, checking in
/// C# that the data matches the declared shape before any tensor is made.</summary>
internal static class OnnxTensors
{
    /// <summary>Whether the ONNX element type is a floating-point type (a weight, not a shape constant).</summary>
    public static bool IsFloat(TensorProto t) =>
        (DataType)t.DataType is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;

    /// <summary>The element kind Fragility computes with for an ONNX element type, or null when it does not read it.</summary>
    public static OnnxElement? Element(long dataType) => (DataType)dataType switch
    {
        DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16 => OnnxElement.Float,
        DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint8 or DataType.Uint16 or DataType.Uint32 => OnnxElement.Int,
        DataType.Bool => OnnxElement.Bool,
        _ => null,
    };

    /// <summary>Whether the tensor carries no data (Fragility strips float initializers from the graph it stores;
    /// the weights travel in the state_dict).</summary>
    public static bool HasNoData(TensorProto t) =>
        t.DataLocation != TensorProto.Types.DataLocation.External &&
        t.RawData.IsEmpty && t.FloatData.Count == 0 && t.DoubleData.Count == 0 && t.Int32Data.Count == 0 && t.Int64Data.Count == 0;

    /// <summary>The declared shape, checked: no negative dimension and at most <see cref="OnnxShapeInference.MaxElements"/>
    /// elements.</summary>
    public static long[] Dims(TensorProto t, string source)
    {
        long[] dims = t.Dims.ToArray();
        if (dims.Any(d => d < 0)) throw new FragilityException($"'{source}': {What(t)} has a negative dimension [{string.Join(",", dims)}]; the file is corrupt. Re-export the model.");
        OnnxShapeInference.CheckSize(dims, $"'{source}': {What(t)}");
        return dims;
    }

    /// <summary>The values of <paramref name="t"/> as doubles (exact for integers below 2^53), after checking their
    /// count against the shape. <paramref name="folder"/> is the model's folder (external data), null when none.</summary>
    public static double[] Values(TensorProto t, string source, string? folder)
    {
        long[] dims = Dims(t, source);
        long count = dims.Aggregate(1L, (a, b) => a * b);
        var type = (DataType)t.DataType;
        byte[] raw = t.DataLocation == TensorProto.Types.DataLocation.External ? External(t, source, folder) : t.RawData.ToByteArray();
        bool useRaw = raw.Length > 0 || t.DataLocation == TensorProto.Types.DataLocation.External;
        double[] values = type switch
        {
            DataType.Float => useRaw ? Cast<float>(raw, t, source).Select(v => (double)v).ToArray() : t.FloatData.Select(v => (double)v).ToArray(),
            DataType.Double => useRaw ? Cast<double>(raw, t, source) : t.DoubleData.ToArray(),
            DataType.Int64 => useRaw ? Cast<long>(raw, t, source).Select(v => (double)v).ToArray() : t.Int64Data.Select(v => (double)v).ToArray(),
            DataType.Uint32 => useRaw ? Cast<uint>(raw, t, source).Select(v => (double)v).ToArray() : t.Uint64Data.Select(v => (double)v).ToArray(),
            DataType.Int32 => useRaw ? Cast<int>(raw, t, source).Select(v => (double)v).ToArray() : t.Int32Data.Select(v => (double)v).ToArray(),
            DataType.Int16 => useRaw ? Cast<short>(raw, t, source).Select(v => (double)v).ToArray() : t.Int32Data.Select(v => (double)v).ToArray(),
            DataType.Uint16 => useRaw ? Cast<ushort>(raw, t, source).Select(v => (double)v).ToArray() : t.Int32Data.Select(v => (double)v).ToArray(),
            DataType.Int8 => useRaw ? raw.Select(b => (double)(sbyte)b).ToArray() : t.Int32Data.Select(v => (double)v).ToArray(),
            DataType.Uint8 => useRaw ? raw.Select(b => (double)b).ToArray() : t.Int32Data.Select(v => (double)v).ToArray(),
            DataType.Bool => useRaw ? raw.Select(b => b != 0 ? 1.0 : 0.0).ToArray() : t.Int32Data.Select(v => v != 0 ? 1.0 : 0.0).ToArray(),
            // float16 values sit in int32_data as bit patterns when not raw (ONNX's convention).
            DataType.Float16 => useRaw ? Cast<Half>(raw, t, source).Select(h => (double)h).ToArray()
                : t.Int32Data.Select(v => (double)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(),
            DataType.Bfloat16 => useRaw ? Cast<ushort>(raw, t, source).Select(b => (double)BitConverter.Int32BitsToSingle(b << 16)).ToArray()
                : t.Int32Data.Select(v => (double)BitConverter.Int32BitsToSingle(v << 16)).ToArray(),
            _ => throw new FragilityException($"'{source}': {What(t)} has ONNX element type {type}, which Fragility does not read. Export the model with float32 weights."),
        };
        if (values.LongLength != count)
            throw new FragilityException($"'{source}': {What(t)} has {values.LongLength} values for shape [{string.Join(",", dims)}]; the file is truncated or corrupt. Re-export the model.");
        return values;
    }

    /// <summary>Converts <paramref name="t"/>: floating types become float32 (float64 stays), the others int64.
    /// With <paramref name="zerosIfEmpty"/>, a tensor without data becomes zeros of its shape.</summary>
    public static Tensor ToTensor(TensorProto t, string source, string? folder, bool zerosIfEmpty = false)
    {
        long[] dims = Dims(t, source);
        long count = dims.Aggregate(1L, (a, b) => a * b);
        var type = (DataType)t.DataType;
        var dtype = type == DataType.Double ? ScalarType.Float64 : IsFloat(t) ? ScalarType.Float32 : ScalarType.Int64;
        if (zerosIfEmpty && count > 0 && HasNoData(t)) return torch.zeros(dims, dtype);
        // float32 weights go straight from their bytes, the rest through doubles.
        if (type == DataType.Float && t.DataLocation != TensorProto.Types.DataLocation.External && !t.RawData.IsEmpty)
        {
            float[] floats = Cast<float>(t.RawData.ToByteArray(), t, source);
            if (floats.LongLength != count)
                throw new FragilityException($"'{source}': {What(t)} has {floats.LongLength} values for shape [{string.Join(",", dims)}]; the file is truncated or corrupt. Re-export the model.");
            using var flatF = torch.tensor(floats);
            return flatF.reshape(dims);
        }
        double[] values = Values(t, source, folder);
        using var flat = dtype == ScalarType.Int64 ? torch.tensor(values.Select(v => (long)v).ToArray())
            : dtype == ScalarType.Float64 ? torch.tensor(values) : torch.tensor(values.Select(v => (float)v).ToArray());
        return flat.reshape(dims);
    }

    /// <summary>Reads external data, which must lie inside the model's folder (a path that leaves it, an absolute
    /// path or a range outside the file is refused).</summary>
    private static byte[] External(TensorProto t, string source, string? folder)
    {
        var keys = t.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        string fix = "Save the model as one file: onnx.save(model, path, save_as_external_data=False).";
        if (folder is null)
            throw new FragilityException($"'{source}': {What(t)} keeps its data in an external file, which Fragility reads only next to a model file on disk. {fix}");
        if (!keys.TryGetValue("location", out var location) || location.Length == 0)
            throw new FragilityException($"'{source}': {What(t)} says its data is external but names no file. {fix}");
        string root = Path.GetFullPath(folder);
        string full = Path.GetFullPath(Path.Combine(root, location));
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains("..") || !full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new FragilityException($"'{source}': {What(t)} points its external data at '{location}', outside the model's folder; Fragility refuses that. {fix}");
        if (!File.Exists(full))
            throw new FragilityException($"'{source}': the external data file '{location}' of {What(t)} is missing. Copy it next to the model or {fix}");
        // A symbolic link inside the folder must not lead outside it either.
        string target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        if (!target.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new FragilityException($"'{source}': {What(t)} reads its external data through '{location}', a link to '{target}' outside the model's folder; Fragility refuses that. {fix}");
        long offset = keys.TryGetValue("offset", out var o) && long.TryParse(o, out var ov) ? ov : 0;
        long fileLength = new FileInfo(full).Length;
        long length = keys.TryGetValue("length", out var l) && long.TryParse(l, out var lv) ? lv : fileLength - offset;
        if (offset < 0 || length < 0 || offset > fileLength || length > fileLength - offset || length > int.MaxValue)
            throw new FragilityException($"'{source}': {What(t)} reads bytes {offset}..{offset + length} of '{location}', which has {fileLength}; the files do not match. Re-export the model.");
        using var stream = File.OpenRead(full);
        stream.Seek(offset, SeekOrigin.Begin);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static string What(TensorProto t) => string.IsNullOrEmpty(t.Name) ? "a constant" : $"tensor '{t.Name}'";

    private static T[] Cast<T>(byte[] raw, TensorProto t, string source) where T : unmanaged
    {
        if (raw.Length % Marshal.SizeOf<T>() != 0)
            throw new FragilityException($"'{source}': {What(t)} holds {raw.Length} bytes, not a whole number of values; the file is truncated or corrupt. Re-export the model.");
        return MemoryMarshal.Cast<byte, T>(raw).ToArray();
    }
}
