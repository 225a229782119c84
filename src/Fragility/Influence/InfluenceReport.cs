using System.Net;
using System.Text;
using Fragility.Reporting;

namespace Fragility.Influence;

/// <summary>
/// Writes an <see cref="InfluenceReportSection"/> as one self-contained HTML page (report.html of an influence attack
/// run), styled like the sweep report. The same section can be added to a sweep's <see cref="HtmlReport"/>.
/// </summary>
public static class InfluenceReport
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "report.html";

    /// <summary>Writes the page.</summary>
    public static void Write(string path, IReportSection section)
    {
        var body = new HtmlBuilder();
        section.WriteBody(body);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
          .Append(WebUtility.HtmlEncode(section.Title)).Append("</title>\n<style>\n").Append(HtmlReportAssets.Css).Append("\n</style>\n</head>\n<body>\n<main>\n<h2>")
          .Append(WebUtility.HtmlEncode(section.Title)).Append("</h2>\n<section class=\"block extra\">\n").Append(body).Append("</section>\n</main>\n</body>\n</html>\n");
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }
}
