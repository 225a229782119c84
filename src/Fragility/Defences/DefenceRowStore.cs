using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fragility.Attacks;
using Fragility.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Defences;

/// <summary>
/// The folder a defence run resumes from: run.json (whose fingerprint says which settings, models and images the rows
/// belong to) and DIR/rows, one JSON file per finished row plus the undefended rows' perturbed images (.npy), which
/// are the non-adaptive attack of the defended rows.
/// </summary>
internal sealed class DefenceRowStore
{
    /// <summary>How rows and the settings in run.json are written (snake case; NaN allowed, as the table has empty cells).</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    // The two attacks whose perturbations the undefended row keeps for the transfer columns.
    private static readonly string[] KeptAttacks = [AttackNames.TopK, AttackNames.MassCenter];

    private readonly string _directory;
    private readonly string _rows;

    /// <summary>The store of the run in <paramref name="directory"/>.</summary>
    public DefenceRowStore(string directory)
    {
        _directory = directory;
        _rows = Path.Combine(directory, DefenceEvaluation.RowsFolder);
    }

    /// <summary>Writes run.json for <paramref name="manifest"/>. A folder holding a run of another fingerprint is
    /// refused unless <paramref name="overwrite"/>, which also deletes its rows.</summary>
    public void Prepare(JsonObject manifest, bool overwrite)
    {
        string runPath = Path.Combine(_directory, DefenceEvaluation.RunFile);
        Directory.CreateDirectory(_directory);
        if (overwrite)
        {
            if (Directory.Exists(_rows)) Directory.Delete(_rows, recursive: true);
            RunManifest.Write(runPath, manifest);
        }
        else RunManifest.Prepare(runPath, manifest, DefencePlan.FingerprintKeys, "a defence run");
        Directory.CreateDirectory(_rows);
    }

    /// <summary>The file name stem of a row: its names with unsafe characters replaced, and a short hash.</summary>
    public static string Key(string model, string method, string defence)
    {
        var safe = FileNames.Safe($"{model}__{method}__{defence}");
        // The name alone may collide after replacing characters; a short hash keeps keys unique.
        return safe + "_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{model}|{method}|{defence}")))[..8];
    }

    /// <summary>Saves a finished row and, for the undefended row, its perturbed images by attack.</summary>
    public void Save(string key, DefenceRowResult result, IReadOnlyDictionary<string, Tensor>? adversarial)
    {
        if (adversarial is not null)
            foreach (var (attack, images) in adversarial)
            {
                using var scope = torch.NewDisposeScope();
                var data = images.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
                string tmp = Path.Combine(_rows, $"{key}.{attack}.npy.tmp");
                NpyFile.Write(tmp, data, images.shape.Select(s => (int)s).ToArray());
                File.Move(tmp, Path.Combine(_rows, $"{key}.{attack}.npy"), overwrite: true);
            }
        // The JSON last: a row counts as finished only when its arrays are in place.
        string json = Path.Combine(_rows, key + ".json");
        AtomicFile.WriteAllText(json, JsonSerializer.Serialize(result, Json));
    }

    /// <summary>A finished row, with its perturbed images when <paramref name="withAdversarial"/> (the caller disposes
    /// them); null when the row, or one of its arrays, is missing or unreadable, so it is computed again.</summary>
    public (DefenceRowResult Result, Dictionary<string, Tensor>? Adversarial)? Load(string key, bool withAdversarial)
    {
        string json = Path.Combine(_rows, key + ".json");
        if (!File.Exists(json)) return null;
        DefenceRowResult? result;
        try { result = JsonSerializer.Deserialize<DefenceRowResult>(File.ReadAllText(json), Json); }
        catch (JsonException) { return null; }
        if (result is null) return null;
        if (!withAdversarial) return (result, null);
        var adversarial = new Dictionary<string, Tensor>();
        foreach (string attack in KeptAttacks)
        {
            string path = Path.Combine(_rows, $"{key}.{attack}.npy");
            if (!File.Exists(path))
            {
                foreach (var t in adversarial.Values) t.Dispose();
                return null;
            }
            var data = NpyFile.ReadSingle(path, out var shape);
            adversarial[attack] = torch.tensor(data, shape.Select(s => (long)s).ToArray());
        }
        return (result, adversarial);
    }
}
