using System.Text;
using System.Text.Json;
using Fragility.Reporting;

namespace Fragility.Experiments;

/// <summary>
/// results.jsonl as an append-only log that survives interruption: on opening, complete lines are read (their
/// cells count as done) and an incomplete last line (anything after the last newline, left by a kill mid-write) is
/// cut off, so the file again ends with a complete line; each new line is written whole and flushed at once.
/// </summary>
internal sealed class ResultsLog : IDisposable
{
    private readonly FileStream _stream;
    private readonly HashSet<SweepCell> _done;

    private ResultsLog(FileStream stream, HashSet<SweepCell> done, bool truncated)
    {
        _stream = stream;
        _done = done;
        DroppedIncompleteLine = truncated;
    }

    /// <summary>True when an incomplete last line was removed on opening.</summary>
    public bool DroppedIncompleteLine { get; }

    /// <summary>Cells with a line in the file.</summary>
    public IReadOnlySet<SweepCell> Done => _done;

    /// <summary>Opens (or creates) the log at <paramref name="path"/>.</summary>
    public static ResultsLog Open(string path)
    {
        FileStream stream;
        try
        {
            // Exclusive: two sweeps appending to one file would interleave their lines.
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new FragilityException($"'{path}' is in use by another sweep: wait for it to finish or stop it, or use another --out.", e);
        }
        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            int complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            var done = new HashSet<SweepCell>();
            int lineNumber = 0;
            foreach (var line in Encoding.UTF8.GetString(bytes, 0, complete).Split('\n'))
            {
                lineNumber++;
                if (line.Trim().Length == 0) continue;
                done.Add(ParseCell(line, $"Line {lineNumber} of '{path}'", ". Repair or delete that line, or start over with --overwrite."));
            }
            bool truncated = complete < bytes.Length;
            if (truncated) stream.SetLength(complete);
            stream.Seek(0, SeekOrigin.End);
            return new ResultsLog(stream, done, truncated);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends one record as one line and flushes it to the operating system.</summary>
    public void Append(ResultRecord record)
    {
        // The reporting's own record and options, so writer and reader share one definition of the format.
        var line = JsonSerializer.SerializeToUtf8Bytes(record, ResultsFile.JsonOptions);
        var buffer = new byte[line.Length + 1];
        line.CopyTo(buffer, 0);
        buffer[^1] = (byte)'\n';
        _stream.Write(buffer);
        _stream.Flush();
        _done.Add(new SweepCell(record.Image, record.Method, record.Attack, record.Epsilon));
    }

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
    public void Dispose() => _stream.Dispose();
}
