using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>
/// Reads a PyTorch state_dict saved with <c>torch.save(model.state_dict(), path)</c> (PyTorch 1.6 and later: a zip
/// archive holding <c>data.pkl</c>, one file per storage under <c>data/</c>, and <c>version</c>) without Python and
/// without running anything the file asks for: the pickle is read by a restricted reader that accepts only the
/// globals a state_dict needs and refuses every other one (see <see cref="Read"/>). Tensors are rebuilt from their
/// storages with offset and strides (views sharing a storage come back as separate contiguous tensors); half and
/// bfloat16 keep their dtype. The legacy pre-1.6 format is refused with a message saying how to re-save.
/// </summary>
public static class PyTorchStateDictFile
{
    // Legacy torch.save files start with a pickled magic number (0x1950a86a20f9469cfc6c, protocol 2).
    private static readonly byte[] LegacyMagic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    /// <summary>Whether <paramref name="path"/> starts like a zip archive (the torch.save format since 1.6).</summary>
    public static bool LooksLikeZip(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var fs = File.OpenRead(path);
        return fs.Read(head) == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
    }

    /// <summary>
    /// Reads the tensors of a state_dict file, keyed by their state_dict names. When the file holds a checkpoint
    /// dictionary whose tensors sit under "state_dict" or "model" (e.g. <c>{"epoch": 3, "model": sd}</c>), that
    /// dictionary is used; a "module." prefix on every key (DataParallel) is removed. Non-tensor entries are
    /// skipped. The caller owns (disposes) the tensors.
    /// </summary>
    /// <exception cref="FragilityException">The file is missing, not a zip archive, truncated or corrupt, in the
    /// legacy format, or its pickle asks for a global outside the allow-list (which is refused before anything is
    /// read from the storages: the message names the global).</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FragilityException($"'{path}' does not exist. Check the path.");
        if (!LooksLikeZip(path)) throw new FragilityException(NotZipMessage(path));
        string Corrupt(string why) => $"'{path}' is not a complete PyTorch archive ({why}). Re-download it, or re-save it with torch.save(model.state_dict(), path).";
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var pkl = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
            if (pkl.Count != 1) throw new FragilityException(Corrupt(pkl.Count == 0 ? "no <name>/data.pkl entry" : "more than one data.pkl"));
            string prefix = pkl[0].FullName[..^"data.pkl".Length];
            var byteorder = zip.GetEntry(prefix + "byteorder");
            if (byteorder is not null && ReadText(byteorder).Trim() == "big")
                throw new FragilityException($"'{path}' was saved on a big-endian machine, which Fragility does not read. Re-save it on a little-endian machine (x86, ARM) or convert it to safetensors.");

            object? root;
            try { root = RestrictedUnpickler.Load(ReadAll(pkl[0], path)); }
            catch (PickleRefusedException e)
            {
                throw new FragilityException($"refusing to load '{path}': it asks for global '{e.GlobalName}', which a state_dict never needs; only load weights from sources you trust, or convert them to safetensors.");
            }
            catch (PickleFormatException e) { throw new FragilityException(Corrupt("its data.pkl: " + e.Message)); }

            var dict = SelectStateDict(root) ?? throw new FragilityException($"'{path}' holds no state_dict (no dictionary of tensors at the top level or under \"state_dict\" or \"model\"). Save one with torch.save(model.state_dict(), path).");
            return Materialize(dict, zip, prefix, path);
        }
        catch (InvalidDataException e) { throw new FragilityException(Corrupt(e.Message.TrimEnd('.'))); }
        catch (EndOfStreamException e) { throw new FragilityException(Corrupt(e.Message.TrimEnd('.'))); }
    }

    private static string NotZipMessage(string path)
    {
        byte[] head = new byte[512];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.Read(head);
        bool legacy = n >= LegacyMagic.Length && head.AsSpan(0, LegacyMagic.Length).SequenceEqual(LegacyMagic);
        bool tar = n >= 262 && Encoding.ASCII.GetString(head, 257, 5) == "ustar";
        if (legacy || tar)
            return $"'{path}' uses PyTorch's legacy (pre-1.6) serialization, which Fragility does not read. Re-save it in the zip format with torch.save(model.state_dict(), path) in PyTorch 1.6 or later, or convert it to safetensors.";
        if (n >= 1 && head[0] == 0x80)
            return $"'{path}' is a bare pickle, not a torch.save zip archive. Save the weights with torch.save(model.state_dict(), path), or convert them to safetensors.";
        return $"'{path}' is not a PyTorch state_dict (no zip archive signature). Pass a file written by torch.save(model.state_dict(), path), a .safetensors file, or an .onnx file with --onnx.";
    }

    private static PickleDict? SelectStateDict(object? root)
    {
        if (root is not PickleDict d) return null;
        if (d.Items.Any(kv => kv.Value is TorchTensorRef)) return d;
        foreach (var key in new[] { "state_dict", "model" })
            if (d.Get(key) is PickleDict inner && inner.Items.Any(kv => kv.Value is TorchTensorRef)) return inner;
        return null;
    }

    private static Dictionary<string, Tensor> Materialize(PickleDict dict, ZipArchive zip, string prefix, string path)
    {
        var entries = dict.Items.Where(kv => kv.Key is string && kv.Value is TorchTensorRef)
            .Select(kv => ((string)kv.Key, (TorchTensorRef)kv.Value!)).ToList();
        bool dataParallel = entries.All(e => e.Item1.StartsWith("module.", StringComparison.Ordinal));
        var storages = new Dictionary<string, byte[]>();
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (rawKey, t) in entries)
            {
                string key = dataParallel ? rawKey["module.".Length..] : rawKey;
                if (!storages.TryGetValue(t.Storage.Key, out var bytes))
                {
                    var entry = zip.GetEntry(prefix + "data/" + t.Storage.Key)
                        ?? throw new FragilityException($"'{path}' lacks the storage data/{t.Storage.Key} of tensor '{key}' (truncated or corrupt archive). Re-download or re-save it.");
                    storages[t.Storage.Key] = bytes = ReadAll(entry, path);
                }
                result[key] = Rebuild(key, t, bytes, path);
            }
        }
        catch
        {
            foreach (var v in result.Values) v.Dispose();
            throw;
        }
        return result;
    }

    private static Tensor Rebuild(string key, TorchTensorRef t, byte[] bytes, string path)
    {
        int itemSize = ItemSize(t.Storage.Type);
        long available = bytes.Length / itemSize;
        string Bad(string why) => $"'{path}': tensor '{key}' {why} (truncated or corrupt archive). Re-download or re-save it.";
        if (bytes.Length % itemSize != 0 || available < t.Storage.Numel)
            throw new FragilityException(Bad($"needs {t.Storage.Numel} elements of {t.Storage.Type} but its storage holds {bytes.Length} bytes"));
        if (t.Offset < 0 || t.Size.Any(s => s < 0) || t.Stride.Any(s => s < 0))
            throw new FragilityException(Bad("has a negative offset, size or stride"));
        long numel, last;
        try
        {
            numel = t.Size.Aggregate(1L, (a, b) => checked(a * b));
            // The last element a view reaches must lie inside the storage; as_strided itself would read past the end.
            last = checked(t.Offset + t.Size.Zip(t.Stride, (s, st) => s == 0 ? 0 : checked((s - 1) * st)).Aggregate(0L, (a, b) => checked(a + b)));
        }
        catch (OverflowException) { throw new FragilityException(Bad("has sizes or strides too large for any storage")); }
        if (numel > 0 && last >= available) throw new FragilityException(Bad($"reaches element {last} of a storage of {available}"));
        using var flat = FromBytes(bytes, t.Storage.Type);
        if (numel == 0) return torch.zeros(t.Size, flat.dtype);
        using var view = flat.as_strided(t.Size, t.Stride, t.Offset);
        return view.contiguous().clone();
    }

    private static Tensor FromBytes(byte[] bytes, TorchStorageType type)
    {
        // The storage files hold raw little-endian elements.
        switch (type)
        {
            case TorchStorageType.Float: return torch.tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
            case TorchStorageType.Double: return torch.tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray());
            case TorchStorageType.Long: return torch.tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray());
            case TorchStorageType.Int: return torch.tensor(MemoryMarshal.Cast<byte, int>(bytes).ToArray());
            case TorchStorageType.Short: return torch.tensor(MemoryMarshal.Cast<byte, short>(bytes).ToArray());
            case TorchStorageType.Char: return torch.tensor(MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray());
            case TorchStorageType.Byte: return torch.tensor(bytes.ToArray());
            case TorchStorageType.Bool: return torch.tensor(bytes.Select(b => b != 0).ToArray());
            case TorchStorageType.Half:
            {
                // Widened exactly to float32, then narrowed back: TorchSharp has no reinterpreting constructor.
                using var f = torch.tensor(MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray());
                return f.to(ScalarType.Float16);
            }
            default:
            {
                using var f = torch.tensor(MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray());
                return f.to(ScalarType.BFloat16);
            }
        }
    }

    private static int ItemSize(TorchStorageType type) => type switch
    {
        TorchStorageType.Double or TorchStorageType.Long => 8,
        TorchStorageType.Float or TorchStorageType.Int => 4,
        TorchStorageType.Half or TorchStorageType.BFloat16 or TorchStorageType.Short => 2,
        _ => 1,
    };

    private static byte[] ReadAll(ZipArchiveEntry entry, string path)
    {
        if (entry.Length > Array.MaxLength)
            throw new FragilityException($"'{path}': entry {entry.FullName} is {entry.Length} bytes, larger than Fragility reads in one piece. Convert the weights to safetensors.");
        var bytes = new byte[entry.Length];
        using var s = entry.Open();
        s.ReadExactly(bytes);
        return bytes;
    }

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var r = new StreamReader(entry.Open());
        return r.ReadToEnd();
    }
}
