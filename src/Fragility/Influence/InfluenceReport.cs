using System.Net;
using System.Text;

namespace Fragility.Influence;

/// <summary>
/// Writes an <see cref="InfluenceReportSection"/> as one self-contained HTML page (report.html of an influence attack run).
/// A stand-in until the shared HTML report takes the section as an extra section.
/// </summary>
public static class InfluenceReport
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "report.html";

    /// <summary>Writes the page.</summary>
    public static void Write(string path, InfluenceReportSection section)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(WebUtility.HtmlEncode(section.Title)).Append("</title>\n")
          .Append("<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}")
          .Append("table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}")
          .Append("th:first-child,td:first-child{text-align:left}figure{margin:1em 0}img{max-width:100%}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}</style>\n")
          .Append("</head>\n<body>\n<h2>").Append(WebUtility.HtmlEncode(section.Title)).Append("</h2>\n")
          .Append(section.BodyHtml())
          .Append("</body>\n</html>\n");
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }
}
