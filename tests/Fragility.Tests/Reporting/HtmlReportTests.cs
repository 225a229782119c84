using System.Text.Json;
using System.Text.RegularExpressions;
using Fragility.IO;
using Fragility.Reporting;
using SkiaSharp;

namespace Fragility.Tests.Reporting;

public sealed class HtmlReportTests : IDisposable
{
    private const string EvilClass = "<script>alert(1)</script>";
    private const string EvilItem = "<b>x</b>";
    private const string EvilModel = "<img src=x onerror=alert(2)>";
    private readonly string _dir = Directory.CreateTempSubdirectory("report-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string MakeSweep(bool dropOneArray = false) =>
        SyntheticSweep.Write(Path.Combine(_dir, "sweep"), EvilModel, EvilClass, EvilItem, dropOneArray);

    private static readonly Regex DataUri = new("data:image/png;base64,([A-Za-z0-9+/=]+)");

    [Fact]
    public void Write_EscapesEveryStringFromFiles()
    {
        string output = Path.Combine(_dir, "out", "report.html");
        new HtmlReport().Write(MakeSweep(), output);
        string html = File.ReadAllText(output);

        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.DoesNotContain("<script>alert", html);
        Assert.Contains("&lt;b&gt;x&lt;/b&gt;", html);
        Assert.DoesNotContain(EvilItem, html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", html);
        Assert.Contains("fragility sweep --output &quot;a&amp;b&quot; --note &#39;&lt;i&gt;&#39;", html);
        // Exactly one script element: the report's own.
        Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));
    }

    [Fact]
    public void Write_IsSelfContained_AndEveryEmbeddedPngDecodes()
    {
        string output = Path.Combine(_dir, "report.html");
        new HtmlReport().Write(MakeSweep(), output);
        string html = File.ReadAllText(output);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotMatch(new Regex(@"(src|href|action|srcset)\s*=\s*[""']?\s*(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"https?://", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("url(", html);
        Assert.DoesNotContain("@import", html);
        // Every src is a data URI.
        foreach (Match m in Regex.Matches(html, @"\ssrc=""([^""]*)"""))
            Assert.StartsWith("data:image/png;base64,", m.Groups[1].Value);

        var payloads = DataUri.Matches(html);
        // 2 inputs x 2 methods x (clean image + clean map + 2 attacks x 2 eps x 3 images) + figure + 2 colour bars.
        Assert.Equal(2 * 2 * (2 + 2 * 2 * 3) + 1 + 2, payloads.Count);
        foreach (Match m in payloads)
        {
            using var bmp = SKBitmap.Decode(Convert.FromBase64String(m.Groups[1].Value));
            Assert.NotNull(bmp);
            Assert.True(bmp.Width > 0 && bmp.Height > 0);
        }
    }

    [Fact]
    public void Write_ProducesBalancedMarkupWithUniqueIds()
    {
        string html = new HtmlReport().Build(MakeSweep(), out _);
        // Outside <script> and <style>, every non-void element that opens must close, in order.
        string body = Regex.Replace(html, "<(script|style)>.*?</\\1>", "", RegexOptions.Singleline);
        string[] voids = ["img", "meta", "input", "br", "hr", "link", "!doctype"];
        var stack = new Stack<string>();
        foreach (Match m in Regex.Matches(body, @"<(/?)([a-zA-Z!][a-zA-Z0-9]*)[^>]*>"))
        {
            string tag = m.Groups[2].Value.ToLowerInvariant();
            if (voids.Contains(tag)) continue;
            if (m.Groups[1].Value == "") stack.Push(tag);
            else Assert.Equal(stack.Pop(), tag);
        }
        Assert.Empty(stack);
        var ids = Regex.Matches(html, @"\sid=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Build_ShowsSettingsSummaryAndControls_AndDefaultsToTheLargestEpsilon()
    {
        string html = new HtmlReport().Build(MakeSweep(), out var warnings);
        Assert.Contains(warnings, w => w.Contains("incomplete last line", StringComparison.Ordinal));
        Assert.Contains("torchsharp 0.107.0", html);
        Assert.Contains("<option value=\"8\" selected>", html);
        Assert.Contains("data-filter=\"method\" value=\"ig\"", html);
        Assert.Contains("data-filter=\"attack\" value=\"topk\"", html);
        // Rows of the summary: 2 methods x 2 attacks x 2 epsilons.
        Assert.Equal(8, Regex.Matches(html, "<tr data-method=").Count);
        // Gallery rows at eps 0.5 start hidden, those at 8 visible.
        Assert.Equal(8, Regex.Matches(html, "class=\"arow\"[^>]*data-eps=\"0.5\"[^>]* hidden>").Count);
        Assert.Equal(8, Regex.Matches(html, "class=\"arow\"[^>]*data-eps=\"8\"[^>]*\">").Count);
    }

    [Fact]
    public void Build_MissingArray_ShowsAPlaceholderAndAWarning()
    {
        string html = new HtmlReport().Build(MakeSweep(dropOneArray: true), out var warnings);
        Assert.Contains(warnings, w => w.Contains("missing", StringComparison.Ordinal));
        // The perturbed image and its amplified perturbation are both unavailable.
        Assert.Equal(2, Regex.Matches(html, "class=\"missing\"").Count);
    }

    [Fact]
    public void Build_GalleryLimit_AndExtraSections()
    {
        string section = Path.Combine(_dir, "geometry");
        Directory.CreateDirectory(section);
        File.WriteAllText(Path.Combine(section, "section.json"), "{\"title\": \"Geometry <i>x</i>\", \"description\": \"a & b\"}");
        File.WriteAllText(Path.Combine(section, "angles.csv"), "method,angle\n\"<b>g</b>\",88.5\n");
        File.WriteAllBytes(Path.Combine(section, "plot.png"), HeatmapRenderer.RenderMap(new float[4], 2, 2));

        var report = new HtmlReport { GalleryLimit = 1 };
        report.AddSectionFolder(section);
        report.Sections.Add(new FixedSection());
        string html = report.Build(MakeSweep(), out _);

        Assert.Single(Regex.Matches(html, "<section class=\"input\""));
        Assert.Contains("The first 1 of 2 inputs", html);
        Assert.Contains("Geometry &lt;i&gt;x&lt;/i&gt;", html);
        Assert.Contains("a &amp; b", html);
        Assert.Contains("<td>&lt;b&gt;g&lt;/b&gt;</td><td>88.5</td>", html);
        Assert.Contains("<h2 id=\"section-2\">Influence</h2>", html);
        Assert.Contains("<p>helpful &lt;points&gt;</p>", html);
    }

    [Fact]
    public void Build_EmptyResults_StillGivesAPage()
    {
        string sweep = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(sweep);
        File.WriteAllText(Path.Combine(sweep, "results.jsonl"), "");
        string html = new HtmlReport().Build(sweep, out var warnings);
        Assert.Contains("No results yet.", html);
        Assert.Contains("No inputs yet.", html);
        Assert.Contains(warnings, w => w.Contains("run.json", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_MissingFolder_NamesTheFix()
    {
        var e = Assert.Throws<FragilityException>(() => new HtmlReport().Build(Path.Combine(_dir, "nothing"), out _));
        Assert.Contains("sweep", e.Message);
    }

    [Fact]
    public void HtmlBuilder_RefusesScriptsAndExternalResources()
    {
        var b = new HtmlBuilder();
        Assert.Throws<ArgumentException>(() => b.Open("div", null, ("onclick", "x")));
        Assert.Throws<ArgumentException>(() => b.Open("a", null, ("href", "https://example.org")));
        Assert.Throws<ArgumentException>(() => b.Open("div", null, ("style", "background:url(x)")));
        Assert.Throws<ArgumentException>(() => b.Open("script onload", null));
        Assert.Throws<ArgumentException>(() => b.Image([1, 2, 3], "not a png"));
        b.Open("span", "a\"b", ("title", "<x>")).Text("1 < 2").Close("span");
        Assert.Equal("<span class=\"a&quot;b\" title=\"&lt;x&gt;\">1 &lt; 2</span>\n", b.ToString());
    }

    private sealed class FixedSection : IReportSection
    {
        public string Title => "Influence";

        public void WriteBody(HtmlBuilder html) => html.Paragraph("helpful <points>");
    }
}
