using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using Fragility.IO;
using Fragility.Reporting;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Writes an experiment folder in the layout the HTML report's <see cref="FolderSection"/> reads: <c>section.json</c>
/// (title, description, figure captions), figures (<c>*.png</c>) and summary tables (<c>*.csv</c>) at the top level,
/// and per-image tables in the sub-folder <see cref="DetailFolder"/>, which the report does not show (they can hold
/// thousands of rows).
/// </summary>
public static class GeometryFiles
{
    /// <summary>Sub-folder for per-image CSV files.</summary>
    public const string DetailFolder = "per-image";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes a study's folder with its <paramref name="writer"/>: tables, figures, then <c>section.json</c>
    /// with the summary; returns the summary.</summary>
    public static ExperimentSummary Write<TResult>(TResult result, string outDir, IGeometryStudyWriter<TResult> writer)
    {
        using var guard = IO.FolderLock.Take(outDir, "geometry", "geometry study");
        writer.WriteTables(result, outDir);
        writer.WriteFigures(result, outDir);
        var summary = writer.Summarise(result, outDir);
        WriteSection(outDir, writer.Title, writer.Description(result, summary), writer.Captions);
        return summary;
    }

    /// <summary>Writes <c>section.json</c> into <paramref name="folder"/>.</summary>
    /// <param name="folder">The experiment folder.</param>
    /// <param name="title">Section title in the report ("Geometry: angles").</param>
    /// <param name="description">One paragraph: what was measured, on what, and the headline numbers.</param>
    /// <param name="captions">Caption per file name.</param>
    public static void WriteSection(string folder, string title, string description, IReadOnlyDictionary<string, string> captions)
    {
        Directory.CreateDirectory(folder);
        var captionObject = new JsonObject();
        foreach (var (file, caption) in captions) captionObject[file] = caption;
        var section = new JsonObject { ["title"] = title, ["description"] = description, ["captions"] = captionObject };
        File.WriteAllText(Path.Combine(folder, FolderSection.DescriptionFile), section.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), new UTF8Encoding(false));
    }

    /// <summary>Writes a CSV file through <see cref="CsvTable"/> (RFC 4180 quoting); cells as <see cref="Field"/> formats them.</summary>
    public static void WriteCsv(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows) =>
        CsvTable.Write(path, header, rows.Select(row => (IReadOnlyList<string>)row.Select(Field).ToArray()));

    /// <summary>
    /// A value as the text of a CSV cell, before quoting: invariant culture, doubles with up to 6 significant digits,
    /// NaN and null as empty, booleans as true/false.
    /// </summary>
    public static string Field(object? value) => value switch
    {
        null => "",
        double d => double.IsFinite(d) ? d.ToString("G6", Inv) : "",
        float f => double.IsFinite(f) ? ((double)f).ToString("G6", Inv) : "",
        bool b => b ? "true" : "false",
        IFormattable x => x.ToString(null, Inv),
        _ => value.ToString() ?? "",
    };

    /// <summary>Formats a number for descriptions (3 significant digits).</summary>
    public static string Num(double v, string format = "G3") => double.IsFinite(v) ? v.ToString(format, Inv) : "n/a";
}
