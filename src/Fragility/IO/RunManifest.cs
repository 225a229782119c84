using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fragility.IO;

/// <summary>
/// The manifest of a run folder (run.json, audit.json): what the run was made with, and whether a folder can be
/// resumed. One rule for every run: the fingerprint is the first 16 hexadecimal characters of the SHA-256 of the
/// compact JSON object of the keys that change results, in the order the run lists them (a key the manifest lacks is
/// left out); a folder resumes only a run whose fingerprint, recomputed from the stored manifest, is the same.
/// </summary>
public static class RunManifest
{
    /// <summary>The manifest key the fingerprint is written under.</summary>
    public const string FingerprintKey = "fingerprint";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The fingerprint of <paramref name="manifest"/> over <paramref name="keys"/>.</summary>
    public static string Fingerprint(JsonObject manifest, IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(keys);
        var key = new JsonObject();
        foreach (string k in keys)
            if (manifest.ContainsKey(k)) key[k] = manifest[k]?.DeepClone();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToJsonString())))[..16];
    }

    /// <summary>Sets <paramref name="manifest"/>'s fingerprint over <paramref name="keys"/> and returns it.</summary>
    public static string Stamp(JsonObject manifest, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string fingerprint = Fingerprint(manifest, keys);
        manifest[FingerprintKey] = fingerprint;
        return fingerprint;
    }

    /// <summary>The manifest stored at <paramref name="path"/>, or null when there is none.</summary>
    /// <exception cref="FragilityException">The file is not a JSON object (a damaged folder).</exception>
    public static JsonObject? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FragilityException($"'{path}' is not valid JSON ({e.Message.Split('\n')[0]}): use another --out, or --overwrite to start over.");
        }
    }

    /// <summary>
    /// Makes <paramref name="path"/> hold <paramref name="manifest"/> (stamped with its fingerprint): written when there
    /// is none, kept when the stored one has the same fingerprint, refused when it has another, naming the keys that differ.
    /// </summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="manifest">This run's manifest.</param>
    /// <param name="keys">The keys that change results.</param>
    /// <param name="what">What the folder holds, for the refusal ("a sweep", "a defence run"...).</param>
    /// <param name="remedy">What the user can do instead, for the refusal.</param>
    /// <returns>The stored manifest when one with the same fingerprint was there (a resumed run), else null.</returns>
    /// <exception cref="FragilityException">The folder holds a run of another fingerprint, or a damaged manifest.</exception>
    public static JsonObject? Prepare(string path, JsonObject manifest, IReadOnlyList<string> keys, string what,
        string remedy = "use another --out, or --overwrite to replace it")
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string fingerprint = Stamp(manifest, keys);
        if (Read(path) is { } stored)
        {
            if (Fingerprint(stored, keys) == fingerprint) return stored;
            var differences = keys.Where(k => (stored[k]?.ToJsonString() ?? "null") != (manifest[k]?.ToJsonString() ?? "null"))
                .Select(k => $"{k} {Short(stored[k])} -> {Short(manifest[k])}").ToList();
            throw new FragilityException($"'{Path.GetDirectoryName(Path.GetFullPath(path))}' holds {what} made with different settings ({string.Join("; ", differences)}): {remedy}.");
        }
        Write(path, manifest);
        return null;
    }

    /// <summary>Writes <paramref name="manifest"/> to <paramref name="path"/> whole or not at all.</summary>
    public static void Write(string path, JsonObject manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        AtomicFile.WriteAllText(path, manifest.ToJsonString(Indented) + "\n");
    }

    /// <summary>A stored value for a message: its JSON, cut to 40 characters.</summary>
    public static string Short(JsonNode? node)
    {
        string s = node?.ToJsonString() ?? "none";
        return s.Length <= 40 ? s : s[..37] + "...";
    }
}
