using System.Diagnostics;
using System.Text.RegularExpressions;
using Fragility.Reporting;
using SkiaSharp;

namespace Fragility.Tests.Reporting;

/// <summary>
/// Renders a generated report in a real headless browser (Debian's chromium, installed by .ci/run). A probe script,
/// added to a copy of the page, records script errors and checks that every image decoded; --dump-dom returns the
/// verdict. The test fails, never skips, when chromium is missing.
/// </summary>
public sealed class BrowserRenderTests : IDisposable
{
    private const string EvilClass = "<b>Bag</b><script>document.title='pwned'</script>";
    private readonly string _dir = Directory.CreateTempSubdirectory("browser-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Report_RendersInChromium_AllImagesDecode_NoScriptErrors_ScreenshotWritten()
    {
        string sweep = SyntheticSweep.Write(Path.Combine(_dir, "sweep"), "shipped <model>", EvilClass, "item<1>");
        string html = Path.Combine(_dir, "report.html");
        new HtmlReport().Write(sweep, html);

        // The probe goes first in <head> (to catch errors of the page's own script) and reports after load.
        string page = File.ReadAllText(html);
        const string probe = """
            <script>
            window.__errors = [];
            window.addEventListener('error', e => window.__errors.push(String(e.message || e.type)), true);
            window.addEventListener('load', () => {
              const imgs = Array.from(document.images);
              const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
              const out = document.createElement('pre');
              out.id = '__probe';
              out.textContent = `PROBE images=${imgs.length} broken=${broken} errors=${window.__errors.length} title=${document.title} ${window.__errors.join('|')}`;
              document.body.appendChild(out);
            });
            </script>
            """;
        int head = page.IndexOf("<head>", StringComparison.OrdinalIgnoreCase);
        Assert.True(head >= 0, "report has no <head>");
        string probed = Path.Combine(_dir, "probed.html");
        File.WriteAllText(probed, page.Insert(head + "<head>".Length, probe));

        string dom = RunChromium("--dump-dom", new Uri(probed).AbsoluteUri);
        var m = Regex.Match(dom, @"PROBE images=(\d+) broken=(\d+) errors=(\d+) title=([^\n]*)");
        Assert.True(m.Success, "probe did not report; DOM starts: " + dom[..Math.Min(300, dom.Length)]);
        Assert.True(int.Parse(m.Groups[1].Value) >= 10, $"too few images: {m.Value}");
        Assert.Equal("0", m.Groups[2].Value);
        Assert.Equal("0", m.Groups[3].Value);
        Assert.DoesNotContain("pwned", m.Groups[4].Value);
        // The class name with markup is shown as text, not interpreted.
        Assert.Contains("&lt;b&gt;Bag&lt;/b&gt;", dom);

        string shot = Path.Combine(_dir, "report.png");
        RunChromium($"--screenshot={shot}", "--window-size=1280,1600", new Uri(html).AbsoluteUri);
        using var bitmap = SKBitmap.Decode(shot);
        Assert.NotNull(bitmap);
        Assert.Equal(1280, bitmap.Width);
        // Keep a copy for people to look at.
        File.Copy(shot, Path.Combine(AppContext.BaseDirectory, "report-screenshot.png"), overwrite: true);
    }

    private string RunChromium(params string[] args)
    {
        string exe = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : "chromium";
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--virtual-time-budget=5000", $"--user-data-dir={Path.Combine(_dir, "profile")}",
        }.Concat(args)) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("chromium is not installed: run 'apt-get install chromium' (bash .ci/run does it)", e);
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish in 60 s"); }
        Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
