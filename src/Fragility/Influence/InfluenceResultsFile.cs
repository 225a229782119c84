using System.Text;
using System.Text.Json;

namespace Fragility.Influence;

/// <summary>
/// The resumable results.jsonl of an influence attack run: one <see cref="InfluenceAttackRecord"/> per line. Opening it
/// reads the lines already there; a last line cut short by an interrupted run (no newline, or not valid JSON) is
/// dropped from the file; lines are appended one at a time and flushed, and a key already present is never written
/// twice.
/// </summary>
public sealed class InfluenceResultsFile
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "results.jsonl";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly List<InfluenceAttackRecord> _records = [];
    private readonly HashSet<(string, double, int)> _keys = [];

    private InfluenceResultsFile(string path) => Path = path;

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Every record, in file order.</summary>
    public IReadOnlyList<InfluenceAttackRecord> Records => _records;

    /// <summary>How many bytes of a truncated last line were dropped when opening (0 when none).</summary>
    public int DroppedBytes { get; private set; }

    /// <summary>True when a record with this key is present.</summary>
    public bool Contains(string attack, double epsilon, int test) => _keys.Contains((attack, epsilon, test));

    /// <summary>Opens (or creates) the file and repairs a truncated last line.</summary>
    /// <exception cref="FragilityException">A line other than the last is not a valid record.</exception>
    public static InfluenceResultsFile Open(string path)
    {
        var file = new InfluenceResultsFile(path);
        if (!File.Exists(path)) { File.WriteAllText(path, ""); return file; }
        var bytes = File.ReadAllBytes(path);
        int start = 0, line = 0;
        long keep = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            bool complete = end >= 0;
            var text = Encoding.UTF8.GetString(bytes, start, (complete ? end : bytes.Length) - start).Trim();
            line++;
            InfluenceAttackRecord? record = null;
            if (text.Length > 0)
            {
                try { record = JsonSerializer.Deserialize<InfluenceAttackRecord>(text, Json); }
                catch (JsonException) { record = null; }
                if (record is null)
                {
                    // Only the last line may be damaged (an interrupted write); anything earlier is real corruption.
                    if (complete && end + 1 < bytes.Length)
                        throw new FragilityException($"Line {line} of '{path}' is not a valid result: the file is corrupt. Delete it (or the run folder) and run again.");
                    break;
                }
                if (!complete) break; // a valid-looking line without its newline is still an interrupted write
            }
            if (record is not null && file._keys.Add(record.Key)) file._records.Add(record);
            keep = complete ? end + 1 : bytes.Length;
            start = complete ? end + 1 : bytes.Length;
        }
        if (keep < bytes.Length)
        {
            file.DroppedBytes = (int)(bytes.Length - keep);
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
            fs.SetLength(keep);
        }
        return file;
    }

    /// <summary>Appends records whose keys are new (one flushed line each); returns how many were written.</summary>
    public int Append(IEnumerable<InfluenceAttackRecord> records)
    {
        int written = 0;
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        foreach (var r in records)
        {
            if (!_keys.Add(r.Key)) continue;
            var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(r, Json) + "\n");
            stream.Write(bytes);
            stream.Flush(true);
            _records.Add(r);
            written++;
        }
        return written;
    }
}
