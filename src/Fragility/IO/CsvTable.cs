using System.Text;
using CsvHelper;

namespace Fragility.IO;

/// <summary>
/// The one way Fragility writes and reads CSV files (through CsvHelper): RFC 4180 quoting (a cell with a comma, a
/// double quote, CR or LF is quoted, quotes doubled), a comma as separator, LF after each record, UTF-8 without a
/// byte-order mark. What <see cref="Write"/> writes, <see cref="Read"/> reads back exactly, line breaks inside
/// cells included. Cells are text: each writer formats its numbers itself (invariant culture), so the columns of
/// every file stay as documented.
/// </summary>
public static class CsvTable
{
    // LF, as the tables were written before CsvHelper; fields with CR or LF are quoted whatever the line ending.
    private static readonly CsvWriterOptions WriterOptions = CsvWriterOptions.Default with { NewLine = "\n" };

    // A fixed comma: detection could take a one-column file with semicolons in its cells for a semicolon file, and a
    // first line "sep=;" is a cell, not a hint. Malformed quoting is recovered (kept as text), so the report shows a
    // hand-edited file rather than failing on it.
    private static readonly CsvReaderOptions ReaderOptions = CsvReaderOptions.Default with
    {
        Separator = ',',
        HasHeader = false,
        DetectSeparatorHint = false,
        TrimWhitespace = false,
    };

    /// <summary>
    /// Writes a table to <paramref name="path"/> through a temporary file that replaces it only when complete, so a
    /// reader never sees half a table; creates the folder.
    /// </summary>
    /// <param name="path">The .csv file.</param>
    /// <param name="header">Column names.</param>
    /// <param name="rows">One list of cells per row, each as long as <paramref name="header"/>.</param>
    /// <exception cref="InvalidOperationException">A row has another number of cells than the header.</exception>
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream => WriteTo(stream, header, rows));
    }

    /// <summary>The text that <see cref="Write"/> writes.</summary>
    /// <param name="header">Column names.</param>
    /// <param name="rows">One list of cells per row, each as long as <paramref name="header"/>.</param>
    /// <exception cref="InvalidOperationException">A row has another number of cells than the header.</exception>
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        using var stream = new MemoryStream();
        WriteTo(stream, header, rows);
        return new UTF8Encoding(false).GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>
    /// Reads a CSV file: the first record as the header, the others as rows. Empty lines are skipped; a byte-order
    /// mark is honoured.
    /// </summary>
    /// <param name="path">The .csv file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static CsvContents Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = CsvReader.FromFile(path, ReaderOptions);
        var records = new List<IReadOnlyList<string>>();
        while (reader.Read())
        {
            var cells = new string[reader.FieldCount];
            for (int i = 0; i < cells.Length; i++) cells[i] = reader.GetString(i) ?? "";
            records.Add(cells);
        }
        return records.Count == 0 ? new CsvContents([], []) : new CsvContents(records[0], records.Skip(1).ToArray());
    }

    private static void WriteTo(Stream stream, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        using var writer = CsvWriter.Create(stream, WriterOptions, leaveOpen: true);
        WriteRecord(writer, header);
        foreach (var row in rows) WriteRecord(writer, row);
    }

    private static void WriteRecord(CsvWriter writer, IReadOnlyList<string> cells)
    {
        foreach (var cell in cells) writer.WriteField(cell);
        writer.EndRecord();
    }
}
