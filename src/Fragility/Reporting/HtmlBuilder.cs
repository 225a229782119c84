using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Fragility.Reporting;

/// <summary>
/// Writes an HTML fragment in which every piece of text is escaped: text and attribute values go through
/// <see cref="WebUtility.HtmlEncode(string)"/>, tag and attribute names are checked, and images can only be embedded
/// as PNG data URIs. <see cref="Raw"/> is the one way around this, for markup the caller builds from constants.
/// </summary>
public sealed class HtmlBuilder
{
    private static readonly Regex NamePattern = new("^[a-z][a-z0-9-]*$", RegexOptions.CultureInvariant);
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly StringBuilder _sb = new();

    /// <summary>HTML-escapes text for element content or a quoted attribute value (&amp;, &lt;, &gt;, quotes).</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A <c>data:image/png;base64,...</c> URI of PNG bytes.</summary>
    /// <exception cref="ArgumentException">The bytes are not a PNG.</exception>
    public static string PngDataUri(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < PngSignature.Length || !png.AsSpan(0, PngSignature.Length).SequenceEqual(PngSignature))
            throw new ArgumentException("bytes are not a PNG image", nameof(png));
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }

    /// <summary>Appends escaped text.</summary>
    public HtmlBuilder Text(string? text)
    {
        _sb.Append(Encode(text));
        return this;
    }

    /// <summary>Appends a heading (level 3 to 6; levels 1 and 2 belong to the report) with escaped text.</summary>
    public HtmlBuilder Heading(string text, int level = 3)
    {
        level = Math.Clamp(level, 3, 6);
        _sb.Append("<h").Append(level).Append('>').Append(Encode(text)).Append("</h").Append(level).Append(">\n");
        return this;
    }

    /// <summary>Appends a paragraph of escaped text.</summary>
    public HtmlBuilder Paragraph(string text)
    {
        _sb.Append("<p>").Append(Encode(text)).Append("</p>\n");
        return this;
    }

    /// <summary>Appends preformatted escaped text (monospace, whitespace kept).</summary>
    public HtmlBuilder Preformatted(string text)
    {
        _sb.Append("<pre>").Append(Encode(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>Appends a table with a header row; all cells are escaped text. Rows shorter than the header are padded.</summary>
    public HtmlBuilder Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        _sb.Append("<div class=\"table-wrap\"><table class=\"data\"><thead><tr>");
        foreach (var h in headers) _sb.Append("<th>").Append(Encode(h)).Append("</th>");
        _sb.Append("</tr></thead><tbody>\n");
        foreach (var row in rows)
        {
            _sb.Append("<tr>");
            for (int i = 0; i < Math.Max(headers.Count, row.Count); i++)
                _sb.Append("<td>").Append(Encode(i < row.Count ? row[i] : "")).Append("</td>");
            _sb.Append("</tr>\n");
        }
        _sb.Append("</tbody></table></div>\n");
        return this;
    }

    /// <summary>
    /// Appends a PNG as an embedded image (a figure when <paramref name="caption"/> is given). <paramref name="width"/>
    /// sets the displayed width in CSS pixels; <paramref name="pixelated"/> keeps upscaled pixels sharp.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not a PNG.</exception>
    public HtmlBuilder Image(byte[] png, string alt, string? caption = null, int? width = null, bool pixelated = false)
    {
        string uri = PngDataUri(png);
        if (caption is not null) _sb.Append("<figure class=\"figure\">");
        _sb.Append("<img src=\"").Append(uri).Append("\" alt=\"").Append(Encode(alt)).Append('"');
        if (width is int w) _sb.Append(" width=\"").Append(w).Append('"');
        if (pixelated) _sb.Append(" class=\"px\"");
        _sb.Append('>');
        if (caption is not null) _sb.Append("<figcaption>").Append(Encode(caption)).Append("</figcaption></figure>");
        _sb.Append('\n');
        return this;
    }

    /// <summary>Opens an element; attribute values are escaped, names must be lower-case HTML names.</summary>
    /// <exception cref="ArgumentException">A tag or attribute name is not a plain lower-case name.</exception>
    public HtmlBuilder Open(string tag, string? cssClass = null, params (string Name, string Value)[] attributes)
    {
        CheckName(tag);
        foreach (var (name, _) in attributes)
        {
            CheckName(name);
            if (name is "src" or "href" or "style" or "srcset" or "action" || name.StartsWith("on", StringComparison.Ordinal))
                throw new ArgumentException($"attribute '{name}' is not allowed (no scripts or external resources in the report)", nameof(attributes));
        }
        _sb.Append('<').Append(tag);
        if (cssClass is not null) _sb.Append(" class=\"").Append(Encode(cssClass)).Append('"');
        foreach (var (name, value) in attributes)
            _sb.Append(' ').Append(name).Append("=\"").Append(Encode(value)).Append('"');
        _sb.Append('>');
        return this;
    }

    /// <summary>Closes an element opened with <see cref="Open"/>.</summary>
    public HtmlBuilder Close(string tag)
    {
        CheckName(tag);
        _sb.Append("</").Append(tag).Append(">\n");
        return this;
    }

    /// <summary>Appends markup as is. Only for markup built from constants: never pass text that came from a file or a user.</summary>
    public HtmlBuilder Raw(string trustedHtml)
    {
        _sb.Append(trustedHtml);
        return this;
    }

    /// <summary>The HTML written so far.</summary>
    public override string ToString() => _sb.ToString();

    private static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NamePattern.IsMatch(name)) throw new ArgumentException($"'{name}' is not a plain lower-case HTML name", nameof(name));
    }
}
