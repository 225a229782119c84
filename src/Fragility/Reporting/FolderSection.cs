using System.Text.Json;
using System.Text.Json.Nodes;
using Fragility.IO;

namespace Fragility.Reporting;

/// <summary>
/// A report section made from a folder of files, so that any command can contribute to the report by writing a
/// folder: an optional <c>section.json</c> <c>{"title": "Geometry", "description": "...", "captions": {"angles.png": "..."}}</c>,
/// then, in file-name order, every <c>*.png</c> (embedded as a figure, caption from <c>captions</c> or the file name),
/// every <c>*.csv</c> (read by <see cref="CsvTable"/>, shown as a table, at most <see cref="MaxTableRows"/> rows) and every <c>*.txt</c> (shown as
/// preformatted text). Other files are ignored. All text is escaped.
/// </summary>
public sealed class FolderSection : IReportSection
{
    /// <summary>Name of the optional description file of the folder.</summary>
    public const string DescriptionFile = "section.json";

    private readonly string _folder;
    private readonly JsonObject _description;

    /// <summary>Creates a section from a folder.</summary>
    /// <exception cref="FragilityException">The folder does not exist or its section.json is not a JSON object.</exception>
    public FolderSection(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
            throw new FragilityException($"Report section folder '{folder}' does not exist. Run the command that writes it first, or drop the option.");
        _folder = folder;
        string descriptionPath = Path.Combine(folder, DescriptionFile);
        _description = [];
        if (File.Exists(descriptionPath))
        {
            try
            {
                _description = JsonNode.Parse(File.ReadAllText(descriptionPath)) as JsonObject
                    ?? throw new FragilityException($"'{descriptionPath}' is not a JSON object. Write {{\"title\": \"...\"}} or delete it.");
            }
            catch (JsonException e)
            {
                throw new FragilityException($"'{descriptionPath}' is not valid JSON ({e.Message}). Fix or delete it.", e);
            }
        }
    }

    /// <summary>Largest number of rows shown of one CSV file (200).</summary>
    public int MaxTableRows { get; init; } = 200;

    /// <summary>Title from section.json, else the folder's name.</summary>
    public string Title => Text(_description["title"]) ?? new DirectoryInfo(_folder).Name;

    /// <inheritdoc />
    public void WriteBody(HtmlBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        if (Text(_description["description"]) is string description) html.Paragraph(description);
        var captions = _description["captions"] as JsonObject;
        foreach (var file in Directory.EnumerateFiles(_folder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            string caption = Text(captions?[name]) ?? Path.GetFileNameWithoutExtension(name);
            switch (Path.GetExtension(file).ToLowerInvariant())
            {
                case ".png":
                    byte[] png = File.ReadAllBytes(file);
                    try { html.Image(png, caption, caption); }
                    catch (ArgumentException) { html.Paragraph($"({name} is not a valid PNG and was left out.)"); }
                    break;
                case ".csv":
                    var table = CsvTable.Read(file);
                    if (table.Header.Count == 0) break;
                    html.Heading(caption, 4);
                    html.Table(table.Header, table.Rows.Take(MaxTableRows));
                    if (table.Rows.Count > MaxTableRows) html.Paragraph($"{table.Rows.Count - MaxTableRows} more rows in {name}.");
                    break;
                case ".txt":
                    html.Heading(caption, 4);
                    html.Preformatted(File.ReadAllText(file));
                    break;
            }
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
