using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fragility.Reporting;

/// <summary>
/// The records of a sweep's <c>results.jsonl</c> (one JSON object per line), read tolerantly: unknown fields are
/// ignored, blank lines skipped, a last line that does not parse (a run killed while writing) is dropped with a
/// warning, and when one (image, method, attack, epsilon) appears more than once (a resumed run) the later line wins.
/// </summary>
public sealed class ResultsFile
{
    /// <summary>File name of the results inside a sweep folder.</summary>
    public const string FileName = "results.jsonl";

    /// <summary>JSON options of the results format (snake_case names, "NaN"/"Infinity" accepted, unknown fields ignored).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString,
        PropertyNameCaseInsensitive = true,
    };

    private ResultsFile(string path, IReadOnlyList<ResultRecord> records, IReadOnlyList<string> warnings)
    {
        Path = path;
        Records = records;
        Warnings = warnings;
    }

    /// <summary>Path of the file that was read.</summary>
    public string Path { get; }

    /// <summary>The records, in file order, one per (image, method, attack, epsilon).</summary>
    public IReadOnlyList<ResultRecord> Records { get; }

    /// <summary>Problems that were tolerated (truncated last line, duplicates), as one-line messages.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Reads <c>results.jsonl</c> from a file path or a sweep folder.</summary>
    /// <exception cref="FragilityException">The file is missing, or a line other than the last is not a valid record (the message names the line).</exception>
    public static ResultsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) path = System.IO.Path.Combine(path, FileName);
        if (!File.Exists(path))
            throw new FragilityException($"Results file '{path}' does not exist. Run a sweep into that folder first (fragility sweep --out DIR).");
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (IOException e) { throw new FragilityException($"Cannot read results file '{path}': {e.Message}. Check that it is readable.", e); }

        int last = Array.FindLastIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        var warnings = new List<string>();
        var byKey = new Dictionary<(int, string, string, double), int>();
        var records = new List<ResultRecord>();
        int duplicates = 0;
        for (int i = 0; i <= last; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            ResultRecord? record;
            string? problem = null;
            try
            {
                record = JsonSerializer.Deserialize<ResultRecord>(lines[i], JsonOptions);
                if (record is null) problem = "it is null";
                else if (string.IsNullOrEmpty(record.Method) || string.IsNullOrEmpty(record.Attack)) problem = "'method' or 'attack' is missing";
                else if (!double.IsFinite(record.Epsilon)) problem = "'epsilon' is not a number";
            }
            catch (JsonException e)
            {
                record = null;
                problem = e.Message;
            }
            if (problem is not null)
            {
                if (i == last)
                {
                    warnings.Add($"{System.IO.Path.GetFileName(path)}: ignored an incomplete last line {i + 1} (a run stopped while writing?).");
                    continue;
                }
                throw new FragilityException(
                    $"Results file '{path}' line {i + 1} is not a valid record ({problem}). Fix or delete that line, or re-run the sweep.");
            }
            var key = (record!.Image, record.Method, record.Attack, record.Epsilon);
            if (byKey.TryGetValue(key, out int at))
            {
                records[at] = record;
                duplicates++;
            }
            else
            {
                byKey[key] = records.Count;
                records.Add(record);
            }
        }
        if (duplicates > 0)
            warnings.Add($"{System.IO.Path.GetFileName(path)}: {duplicates} repeated record(s) for the same image, method, attack and epsilon; the later line was kept.");
        return new ResultsFile(path, records, warnings);
    }
}
