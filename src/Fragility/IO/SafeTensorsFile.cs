using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.IO;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw little-endian data. No code runs on
/// load, which is why Fragility stores its models this way. Hand-written: no .NET package for it is served here.
/// </summary>
public static class SafeTensorsFile
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Writes tensors (float32, float64, int64, int32, uint8) and string metadata to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            using var c = t.detach().cpu().contiguous();
            string dtype = c.dtype switch
            {
                ScalarType.Float32 => "F32", ScalarType.Float64 => "F64", ScalarType.Int64 => "I64",
                ScalarType.Int32 => "I32", ScalarType.Byte => "U8",
                _ => throw new ArgumentException($"tensor '{name}' has unsupported dtype {c.dtype}"),
            };
            byte[] bytes = c.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(c.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // keep the data 8-byte aligned, as the reference writer does
        byte[] headerBytes = new byte[json.Length + pad];
        json.CopyTo(headerBytes, 0);
        for (int i = json.Length; i < headerBytes.Length; i++) headerBytes[i] = (byte)' ';
        string tmp = path + ".tmp";
        using (var fs = File.Create(tmp))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerBytes.Length);
            fs.Write(len);
            fs.Write(headerBytes);
            foreach (var b in blobs) fs.Write(b);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads every tensor (F16/BF16 widened to float32) and the metadata of a safetensors file.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path)) throw new FragilityException($"Model file '{path}' does not exist. Check the path, or train one with 'fragility train'.");
        byte[] all = File.ReadAllBytes(path);
        string Bad(string why) => $"'{path}' is not a valid safetensors file ({why}). Re-create it with 'fragility train' or 'fragility import'.";
        if (all.Length < 8) throw new FragilityException(Bad("shorter than its 8-byte header length"));
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(all);
        if (headerLen > (ulong)Math.Min(MaxHeaderBytes, all.Length - 8)) throw new FragilityException(Bad($"header length {headerLen} exceeds the file"));
        JsonObject header;
        try { header = JsonNode.Parse(Encoding.UTF8.GetString(all, 8, (int)headerLen))?.AsObject() ?? throw new JsonException("empty"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new FragilityException(Bad("header is not JSON: " + e.Message)); }
        long dataStart = 8 + (long)headerLen;
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    foreach (var (k, v) in node.Deserialize<Dictionary<string, string>>(StrictJson.Options) ?? []) metadata[k] = v;
                    continue;
                }
                var entry = node.Deserialize<Entry>(StrictJson.Options) ?? throw new JsonException($"tensor '{name}' is null");
                string dtype = entry.Dtype;
                long[] shape = entry.Shape;
                if (shape.Any(d => d < 0) || entry.DataOffsets.Length != 2)
                    throw new FragilityException(Bad($"tensor '{name}' has a negative dimension or not two data offsets"));
                long begin = entry.DataOffsets[0], end = entry.DataOffsets[1];
                long count = shape.Aggregate(1L, (a, b) => checked(a * b));
                int size = dtype switch { "F32" or "I32" => 4, "F64" or "I64" => 8, "F16" or "BF16" => 2, "U8" => 1, _ => throw new FragilityException(Bad($"tensor '{name}' has unsupported dtype {dtype}")) };
                if (begin < 0 || end < begin || dataStart + end > all.Length || end - begin != count * size)
                    throw new FragilityException(Bad($"tensor '{name}' byte range [{begin},{end}) does not match shape [{string.Join(",", shape)}] or is past the end of the file (truncated?)"));
                var span = all.AsSpan((int)(dataStart + begin), (int)(end - begin));
                tensors[name] = dtype switch
                {
                    "F32" => torch.tensor(Cast<float>(span), shape),
                    "F64" => torch.tensor(Cast<double>(span), shape),
                    "I64" => torch.tensor(Cast<long>(span), shape),
                    "I32" => torch.tensor(Cast<int>(span), shape),
                    "U8" => torch.tensor(span.ToArray(), shape),
                    "F16" => torch.tensor(Cast<Half>(span).Select(h => (float)h).ToArray(), shape),
                    _ => torch.tensor(Cast<ushort>(span).Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray(), shape),
                };
            }
        }
        catch (Exception e) when (e is JsonException or OverflowException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new FragilityException(Bad("malformed tensor entry: " + e.Message));
        }
        return (tensors, metadata);
    }

    // Read with StrictJson: a missing or null field is a JsonException.
    private sealed record Entry(
        [property: JsonPropertyName("dtype")] string Dtype,
        [property: JsonPropertyName("shape")] long[] Shape,
        [property: JsonPropertyName("data_offsets")] long[] DataOffsets);

    private static T[] Cast<T>(ReadOnlySpan<byte> bytes) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
}
