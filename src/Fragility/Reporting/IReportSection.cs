namespace Fragility.Reporting;

/// <summary>
/// A section that other areas (Geometry, Influence, Defences, ...) add to the HTML report: a title and a body
/// written through an <see cref="HtmlBuilder"/>, which escapes all text and embeds images as data URIs so that
/// the report stays one self-contained, safe file. Add sections with <see cref="HtmlReport.Sections"/>; a folder of
/// PNG/CSV/text files can be added without code with <see cref="FolderSection"/>.
/// </summary>
public interface IReportSection
{
    /// <summary>Title of the section, shown as its heading and in the table of contents (plain text; escaped).</summary>
    string Title { get; }

    /// <summary>Writes the body of the section (everything below the heading).</summary>
    void WriteBody(HtmlBuilder html);
}
