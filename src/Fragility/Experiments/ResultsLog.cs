using System.Text.Json;
using Fragility.IO;
using Fragility.Reporting;

namespace Fragility.Experiments;

/// <summary>
/// results.jsonl as an append-only log that survives interruption, by the one rule of <see cref="JsonLinesLog{T}"/>:
/// complete lines are read (their cells count as done), an incomplete last line left by a kill mid-write is cut off,
/// and each new line is written whole and flushed at once.
/// </summary>
internal sealed class ResultsLog : IDisposable
{
    private readonly JsonLinesLog<ResultRecord> _log;
    private readonly HashSet<SweepCell> _done;

    private ResultsLog(JsonLinesLog<ResultRecord> log)
    {
        _log = log;
        _done = log.Records.Select(Cell).ToHashSet();
    }

    /// <summary>True when an incomplete last line was removed on opening.</summary>
    public bool DroppedIncompleteLine => _log.DroppedIncompleteLine;

    /// <summary>Cells with a line in the file.</summary>
    public IReadOnlySet<SweepCell> Done => _done;

    /// <summary>Opens (or creates) the log at <paramref name="path"/>.</summary>
    /// <exception cref="FragilityException">Another sweep holds the file, or a complete line is not a result record.</exception>
    public static ResultsLog Open(string path) =>
        // The reporting's own record and options, so writer and reader share one definition of the format.
        new(JsonLinesLog<ResultRecord>.Open(path, ResultsFile.JsonOptions, "Repair or delete that line, or start over with --overwrite."));

    /// <summary>Appends one record as one line and flushes it to the operating system.</summary>
    public void Append(ResultRecord record)
    {
        _log.Append(record);
        _done.Add(Cell(record));
    }

    private static SweepCell Cell(ResultRecord r) => new(r.Image, r.Method, r.Attack, r.Epsilon);

    /// <summary>The cell a results.jsonl line records; a line that is not a record fails naming <paramref name="where"/>,
    /// followed by <paramref name="fix"/>.</summary>
    internal static SweepCell ParseCell(string line, string where, string fix)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            return new SweepCell(root.GetProperty("image").GetInt32(), root.GetProperty("method").GetString() ?? "",
                root.GetProperty("attack").GetString() ?? "", root.GetProperty("epsilon").GetDouble());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FragilityException($"{where} is not a result record ({e.Message.Split('\n')[0]}){fix}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _log.Dispose();
}
