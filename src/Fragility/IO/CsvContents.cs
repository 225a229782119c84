namespace Fragility.IO;

/// <summary>The text of a CSV file as <see cref="CsvTable.Read"/> gives it: the first record, then the others.</summary>
/// <param name="Header">The first record (column names); empty for an empty file.</param>
/// <param name="Rows">The records after the first, each as written (a row may have fewer or more cells than the header).</param>
public sealed record CsvContents(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);
