using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fragility.Reporting;

namespace Fragility.Tests.Reporting;

/// <summary>
/// Hostile names in a sweep's run.json and results.jsonl (method, attack, model, class, item, settings) end up as
/// text in report.html: escaped in element content and in attribute values, so no markup, attribute or script
/// is injected, and the data attributes report.js filters by still decode to the names.
/// </summary>
public sealed class HtmlReportEscapingTests : IDisposable
{
    // Quotes close an attribute value, '>' closes the tag: unescaped, these would add attributes and elements.
    private const string EvilMethod = "ig\"><img src=x onerror=alert(1)>";
    private const string EvilAttack = "topk' onmouseover='alert(2)\" data-x=\"";
    private const string Script = "<script>alert(1)</script>";
    private readonly string _dir = Directory.CreateTempSubdirectory("report-escaping-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string HostileReport()
    {
        string sweep = SyntheticSweep.Write(Path.Combine(_dir, "sweep"), "model \"" + Script, "class \"" + Script, "item '" + Script,
            methods: ["gradient", EvilMethod], attacks: ["random", EvilAttack]);
        string runPath = Path.Combine(sweep, "run.json");
        var run = JsonNode.Parse(File.ReadAllText(runPath))!.AsObject();
        run["dataset"] = "data \"" + Script;
        run["created_utc"] = "<b>now</b>";
        run["note \"" + Script] = "value \"" + Script;
        File.WriteAllText(runPath, run.ToJsonString());
        string output = Path.Combine(_dir, "report.html");
        new HtmlReport().Write(sweep, output);
        return File.ReadAllText(output);
    }

    /// <summary>The page without the report's own style and script elements (whose content is not HTML).</summary>
    private static string Markup(string html) => Regex.Replace(html, "<(script|style)>.*?</\\1>", "", RegexOptions.Singleline);

    [Fact]
    public void HostileNames_AreEscapedText_NotMarkup()
    {
        string html = HostileReport();

        Assert.DoesNotContain("<script>alert", html);
        Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("<b>now</b>", html);
        // Each hostile string is on the page as its escaped text, in content (model, class, item, settings) and in attributes.
        foreach (string text in new[] { "model \"" + Script, "class \"" + Script, "item '" + Script, "data \"" + Script,
                     "note \"" + Script, "value \"" + Script, EvilMethod, EvilAttack })
            Assert.Contains(HtmlBuilder.Encode(text), html);
    }

    [Fact]
    public void HostileNames_AddNoAttributesOrElements_AndDataAttributesDecodeToTheNames()
    {
        string markup = Markup(HostileReport());

        // Every tag is a plain name followed by plain attribute names, each with a double-quoted value free of quotes and
        // angle brackets: an unescaped quote or '>' from a name would break one of these tags.
        var tags = Regex.Matches(markup, "<[a-zA-Z][^>]*>");
        var strict = new Regex("^<[a-z][a-z0-9]*(\\s+[a-z][a-z-]*(=\"[^\"<>]*\")?)*>$");
        Assert.NotEmpty(tags);
        foreach (Match tag in tags) Assert.Matches(strict, tag.Value);
        var attributeNames = tags.SelectMany(t => Regex.Matches(t.Value, "\\s([a-z][a-z-]*)(?==\"|\\s|>)").Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.DoesNotContain(attributeNames, n => n.StartsWith("on", StringComparison.Ordinal));
        Assert.DoesNotContain("data-x", attributeNames);

        // report.js filters by these attributes: they must still carry the names exactly.
        var methods = Regex.Matches(markup, "data-method=\"([^\"]*)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToHashSet();
        var attacks = Regex.Matches(markup, "data-attack=\"([^\"]*)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToHashSet();
        Assert.Equal(new HashSet<string> { "gradient", EvilMethod }, methods);
        Assert.Equal(new HashSet<string> { "random", EvilAttack }, attacks);
        var filters = Regex.Matches(markup, "data-filter=\"method\" value=\"([^\"]*)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value));
        Assert.Equal(["gradient", EvilMethod], filters);
        // The gallery found the arrays of the hostile names: no placeholders.
        Assert.DoesNotContain("class=\"missing\"", markup);
    }

    [Fact]
    public void HtmlBuilder_LinksStayInThePage_StylesOnlySetNumbers_BooleanAttributesAreBare()
    {
        var b = new HtmlBuilder();
        Assert.Throws<ArgumentException>(() => b.Link("javascript:alert(1)", "x"));
        Assert.Throws<ArgumentException>(() => b.Link("a\" onclick=\"x", "x"));
        Assert.Throws<ArgumentException>(() => b.Open("div", null, ("style", "width:1px;background:url(x)")));
        Assert.Throws<ArgumentException>(() => b.Open("div", null, ("style", "width:expression(alert(1))")));
        Assert.Throws<ArgumentException>(() => b.Img(HeatmapRenderer.RenderMap(new float[4], 2, 2), "map", ("src", "https://example.org/x.png")));
        Assert.Throws<ArgumentException>(() => b.Element("td", null, "x", ("onmouseover", "x")));
        Assert.Equal("", b.ToString());

        b.Link("input-3", "<#3>").Open("div", "missing", ("style", "width:96px;height:96px"), ("hidden", HtmlBuilder.Flag(true)),
                ("title", HtmlBuilder.Flag(false)), ("data-eps", "0.5")).Text("a\"b").End("div")
            .Element("option", null, "8", ("value", "8"), ("selected", HtmlBuilder.Flag(true))).Line();
        Assert.Equal("<a href=\"#input-3\">&lt;#3&gt;</a><div class=\"missing\" style=\"width:96px;height:96px\" hidden data-eps=\"0.5\">"
            + "a&quot;b</div><option value=\"8\" selected>8</option>\n", b.ToString());

        var outer = new HtmlBuilder().Open("section").Append(new HtmlBuilder().Paragraph("<p>")).Close("section");
        Assert.Equal("<section><p>&lt;p&gt;</p>\n</section>\n", outer.ToString());
    }
}
