using System.Text.Json;
using Fragility.IO;

namespace Fragility.Influence;

/// <summary>
/// The resumable results.jsonl of an influence attack run: one <see cref="InfluenceAttackRecord"/> per line, kept by
/// the one rule of <see cref="JsonLinesLog{T}"/> (a last line without its newline, left by an interrupted write, is
/// cut off; lines are appended whole and flushed); a key already present is never written twice.
/// </summary>
public sealed class InfluenceResultsFile : IDisposable
{
    /// <summary>The file name in a run folder.</summary>
    public const string FileName = "results.jsonl";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly JsonLinesLog<InfluenceAttackRecord> _log;
    private readonly List<InfluenceAttackRecord> _records = [];
    private readonly HashSet<(string, double, int)> _keys = [];

    private InfluenceResultsFile(string path, JsonLinesLog<InfluenceAttackRecord> log)
    {
        Path = path;
        _log = log;
        foreach (var r in log.Records)
            if (_keys.Add(r.Key)) _records.Add(r);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The results in the file, one per key (the first line of a key wins).</summary>
    public IReadOnlyList<InfluenceAttackRecord> Records => _records;

    /// <summary>Bytes of an incomplete last line dropped when the file was opened (an interrupted write).</summary>
    public int DroppedBytes => _log.DroppedBytes;

    /// <summary>True when a result for this attack, epsilon and test point is in the file.</summary>
    public bool Contains(string attack, double epsilon, int test) => _keys.Contains((attack, epsilon, test));

    /// <summary>Opens (or creates) the file by the rule of <see cref="JsonLinesLog{T}"/>: an incomplete last line is cut
    /// off, a complete line that is not a result is an error naming it.</summary>
    /// <exception cref="FragilityException">A complete line is not a result, or another run holds the file.</exception>
    public static InfluenceResultsFile Open(string path) =>
        new(path, JsonLinesLog<InfluenceAttackRecord>.Open(path, Json, "The file is corrupt: delete it (or the run folder) and run again."));

    /// <summary>The keys (attack, epsilon, test) of the results in the file at <paramref name="path"/>, read while
    /// others may read it too (a shard of <c>--jobs</c> skips what the whole run already holds).</summary>
    public static IReadOnlySet<(string Attack, double Epsilon, int Test)> Keys(string path) =>
        JsonLinesLog<InfluenceAttackRecord>.Read(path, Json, "The file is corrupt: delete it (or the run folder) and run again.").Select(r => r.Key).ToHashSet();

    /// <summary>Appends the records whose key is not in the file yet, each as one flushed line; returns how many.</summary>
    public int Append(IEnumerable<InfluenceAttackRecord> records)
    {
        int written = 0;
        foreach (var r in records)
        {
            if (!_keys.Add(r.Key)) continue;
            _log.Append(r);
            _records.Add(r);
            written++;
        }
        return written;
    }

    /// <inheritdoc />
    public void Dispose() => _log.Dispose();
}
