using System.Text;
using System.Text.Json;

namespace Fragility.IO;

/// <summary>
/// An append-only JSON Lines file that survives interruption, one record per line. The rule for a file cut by a
/// kill: on opening, every complete line (ended by a newline) is read, and anything after the last newline (a line
/// whose write was interrupted) is cut off, so the file again ends with a complete line and nothing is counted twice.
/// Each new record is written whole with its newline and flushed at once. The file is held exclusively while open:
/// two writers would interleave their lines.
/// </summary>
/// <typeparam name="T">The record type (serialised with the options given to <see cref="Open"/>).</typeparam>
public sealed class JsonLinesLog<T> : IDisposable
{
    private readonly FileStream _stream;
    private readonly JsonSerializerOptions _options;
    private readonly List<T> _records;

    private JsonLinesLog(FileStream stream, JsonSerializerOptions options, List<T> records, int droppedBytes)
    {
        _stream = stream;
        _options = options;
        _records = records;
        DroppedBytes = droppedBytes;
    }

    /// <summary>The records read on opening followed by those appended since.</summary>
    public IReadOnlyList<T> Records => _records;

    /// <summary>True when an incomplete last line was cut off on opening.</summary>
    public bool DroppedIncompleteLine => DroppedBytes > 0;

    /// <summary>Bytes of the incomplete last line cut off on opening (0 when the file ended with a newline).</summary>
    public int DroppedBytes { get; }

    /// <summary>Opens (or creates) the log at <paramref name="path"/>.</summary>
    /// <param name="path">The .jsonl file.</param>
    /// <param name="options">Serialiser options of the records (the same for reading and writing).</param>
    /// <param name="fix">What the user should do about a corrupt complete line (ends the error message).</param>
    /// <exception cref="FragilityException">The file is in use, or a complete line is not a record.</exception>
    public static JsonLinesLog<T> Open(string path, JsonSerializerOptions options, string fix = "Delete the file to start over.")
    {
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException e) { throw new FragilityException($"'{path}' is in use by another run: wait for it to finish or stop it.", e); }
        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var records = Parse(bytes, path, options, fix, out int complete);
            if (complete < bytes.Length) stream.SetLength(complete);
            stream.Seek(0, SeekOrigin.End);
            return new JsonLinesLog<T>(stream, options, records, bytes.Length - complete);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The records of the log at <paramref name="path"/> by the same rule, read while another process may hold
    /// it for writing (an incomplete last line is left out, not cut off); none when there is no file.</summary>
    /// <exception cref="FragilityException">A complete line is not a record.</exception>
    public static IReadOnlyList<T> Read(string path, JsonSerializerOptions options, string fix = "Delete the file to start over.")
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Parse(bytes, path, options, fix, out _);
    }

    /// <summary>The records of the complete lines of <paramref name="bytes"/>; <paramref name="complete"/> is their length.</summary>
    private static List<T> Parse(byte[] bytes, string path, JsonSerializerOptions options, string fix, out int complete)
    {
        complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        var records = new List<T>();
        int number = 0;
        foreach (string line in Encoding.UTF8.GetString(bytes, 0, complete).Split('\n'))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            T? record;
            try { record = JsonSerializer.Deserialize<T>(line, options); }
            catch (JsonException e) { throw new FragilityException($"Line {number} of '{path}' is not a record ({e.Message.Split('\n')[0]}). {fix}"); }
            records.Add(record ?? throw new FragilityException($"Line {number} of '{path}' is null. {fix}"));
        }
        return records;
    }

    /// <summary>Appends <paramref name="record"/> as one line and flushes it.</summary>
    public void Append(T record)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(record, _options);
        var buffer = new byte[line.Length + 1];
        line.CopyTo(buffer, 0);
        buffer[^1] = (byte)'\n';
        _stream.Write(buffer);
        _stream.Flush();
        _records.Add(record);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
