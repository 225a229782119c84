using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Fragility.Reporting;

/// <summary>
/// Writes HTML in which every piece of text is escaped: text and attribute values go through
/// <see cref="WebUtility.HtmlEncode(string)"/>, tag and attribute names are checked, links can only point inside the
/// page, inline styles can only set numbers, and images can only be embedded as PNG data URIs. It is the one HTML
/// writer of the report (<see cref="HtmlReport"/> and every <see cref="IReportSection"/>), and there is no way around
/// it: the only unescaped content it writes is the report's own style sheet and script, constant files of this assembly.
/// </summary>
public sealed class HtmlBuilder
{
    private static readonly Regex NamePattern = new("^[a-z][a-z0-9-]*$", RegexOptions.CultureInvariant);
    private static readonly Regex IdPattern = new("^[A-Za-z][A-Za-z0-9_-]*$", RegexOptions.CultureInvariant);
    // Declarations whose values are plain numbers (e.g. "--v:0.5", "width:96px;height:96px"): no url(), no expressions.
    private static readonly Regex NumericStylePattern =
        new(@"^(?:-{0,2}[a-z][a-z-]*:-?[0-9]+(?:\.[0-9]+)?(?:px|%)?;?)+$", RegexOptions.CultureInvariant);
    private static readonly HashSet<string> BooleanAttributes = ["hidden", "checked", "selected", "disabled", "open"];
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

    /// <summary>
    /// The value of a boolean attribute such as <c>hidden</c> or <c>checked</c>: present (written bare) when
    /// <paramref name="on"/>, else null (left out).
    /// </summary>
    public static string? Flag(bool on) => on ? "" : null;

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
        WriteImg(uri, alt, [("width", width?.ToString(CultureInfo.InvariantCulture)), ("class", pixelated ? "px" : null)]);
        if (caption is not null) _sb.Append("<figcaption>").Append(Encode(caption)).Append("</figcaption></figure>");
        _sb.Append('\n');
        return this;
    }

    /// <summary>
    /// Appends a PNG as an inline <c>img</c> element (no line break): <c>src</c> is its data URI, <c>alt</c> the
    /// escaped text, then <paramref name="attributes"/> as in <see cref="Open"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not a PNG, or an attribute is not allowed (see <see cref="Open"/>).</exception>
    public HtmlBuilder Img(byte[] png, string alt, params (string Name, string? Value)[] attributes)
    {
        string uri = PngDataUri(png);
        CheckAttributes(attributes);
        WriteImg(uri, alt, attributes);
        return this;
    }

    /// <summary>
    /// Opens an element (also writes void elements such as <c>input</c> and <c>meta</c>). Attribute values are escaped;
    /// a null value leaves the attribute out, and boolean attributes (<c>hidden</c>, <c>checked</c>, <c>selected</c>,
    /// <c>disabled</c>, <c>open</c>) are written bare (see <see cref="Flag"/>). Tag and attribute names must be
    /// lower-case HTML names (<c>data-*</c> included); event handlers, <c>src</c>, <c>href</c>, <c>srcset</c> and
    /// <c>action</c> are refused (use <see cref="Img"/> and <see cref="Link"/>), and <c>style</c> may only set numbers.
    /// </summary>
    /// <exception cref="ArgumentException">A tag or attribute name is not a plain lower-case name, or an attribute is not allowed.</exception>
    public HtmlBuilder Open(string tag, string? cssClass = null, params (string Name, string? Value)[] attributes)
    {
        CheckName(tag);
        CheckAttributes(attributes);
        _sb.Append('<').Append(tag);
        if (cssClass is not null) _sb.Append(" class=\"").Append(Encode(cssClass)).Append('"');
        WriteAttributes(attributes);
        _sb.Append('>');
        return this;
    }

    /// <summary>Closes an element opened with <see cref="Open"/>, then a line break (for block elements).</summary>
    public HtmlBuilder Close(string tag)
    {
        End(tag);
        _sb.Append('\n');
        return this;
    }

    /// <summary>Closes an element opened with <see cref="Open"/>, without a line break (for inline elements, where one would show as a space).</summary>
    public HtmlBuilder End(string tag)
    {
        CheckName(tag);
        _sb.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>Appends an element holding escaped text, without a line break: <see cref="Open"/>, <see cref="Text"/>, <see cref="End"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="Open"/>.</exception>
    public HtmlBuilder Element(string tag, string? cssClass, string? text, params (string Name, string? Value)[] attributes) =>
        Open(tag, cssClass, attributes).Text(text).End(tag);

    /// <summary>Appends a line break between elements (keeps the page source readable; no effect on layout between blocks).</summary>
    public HtmlBuilder Line()
    {
        _sb.Append('\n');
        return this;
    }

    /// <summary>Appends a link to an element of this page: <c>&lt;a href="#targetId"&gt;text&lt;/a&gt;</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="targetId"/> is not a plain id (a letter, then letters, digits, '-' or '_').</exception>
    public HtmlBuilder Link(string targetId, string text)
    {
        ArgumentNullException.ThrowIfNull(targetId);
        if (!IdPattern.IsMatch(targetId)) throw new ArgumentException($"'{targetId}' is not a plain element id", nameof(targetId));
        _sb.Append("<a href=\"#").Append(targetId).Append("\">").Append(Encode(text)).Append("</a>");
        return this;
    }

    /// <summary>Appends the HTML of another builder (escaped as it was written), e.g. a section rendered on its own.</summary>
    public HtmlBuilder Append(HtmlBuilder fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        _sb.Append(fragment._sb);
        return this;
    }

    /// <summary>Appends the HTML5 document type line.</summary>
    public HtmlBuilder Doctype()
    {
        _sb.Append("<!DOCTYPE html>\n");
        return this;
    }

    /// <summary>Appends the report's own style sheet (<see cref="HtmlReportAssets.Css"/>, a constant embedded file) as a style element.</summary>
    internal HtmlBuilder ReportStyleSheet() => Embedded("style", HtmlReportAssets.Css);

    /// <summary>Appends the report's own script (<see cref="HtmlReportAssets.Script"/>, a constant embedded file) as a script element.</summary>
    internal HtmlBuilder ReportScript() => Embedded("script", HtmlReportAssets.Script);

    /// <summary>The HTML written so far.</summary>
    public override string ToString() => _sb.ToString();

    private static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NamePattern.IsMatch(name)) throw new ArgumentException($"'{name}' is not a plain lower-case HTML name", nameof(name));
    }

    private static void CheckAttributes((string Name, string? Value)[] attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        foreach (var (name, value) in attributes)
        {
            CheckName(name);
            if (name is "src" or "href" or "srcset" or "action" || name.StartsWith("on", StringComparison.Ordinal))
                throw new ArgumentException($"attribute '{name}' is not allowed (no scripts or external resources in the report)", nameof(attributes));
            if (name == "style" && value is not null && !NumericStylePattern.IsMatch(value))
                throw new ArgumentException($"style '{value}' is not allowed: only declarations with plain numbers (e.g. width:96px)", nameof(attributes));
        }
    }

    private void WriteAttributes((string Name, string? Value)[] attributes)
    {
        foreach (var (name, value) in attributes)
        {
            if (value is null) continue;
            _sb.Append(' ').Append(name);
            if (!BooleanAttributes.Contains(name)) _sb.Append("=\"").Append(Encode(value)).Append('"');
        }
    }

    private void WriteImg(string dataUri, string alt, (string Name, string? Value)[] attributes)
    {
        _sb.Append("<img src=\"").Append(dataUri).Append("\" alt=\"").Append(Encode(alt)).Append('"');
        WriteAttributes(attributes);
        _sb.Append('>');
    }

    // The content of a style or script element is not escaped by the browser: it must be a constant and must not end the element early.
    private HtmlBuilder Embedded(string tag, string content)
    {
        if (content.Contains("</" + tag, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"the report's embedded {tag} contains '</{tag}'");
        _sb.Append('<').Append(tag).Append(">\n").Append(content).Append("\n</").Append(tag).Append(">\n");
        return this;
    }
}
