using Fragility.IO;
using PuppeteerSharp;
using SkiaSharp;

namespace Fragility.Serve.Tests;

/// <summary>
/// The page in a real browser: Debian's chromium, headless, driven by PuppeteerSharp pointed at the system browser
/// (nothing is downloaded). Uploads an image whose file name carries markup, sees the prediction, runs a short attack
/// and sees the top-k intersection fall, downloads the perturbed image as .npy, and checks that class names with
/// markup stay text. Fails, never skips, when chromium is missing (bash .ci/run installs it).
/// </summary>
public sealed class BrowserTests(ServeHarness serve) : IClassFixture<ServeHarness>, IAsyncLifetime
{
    // Browsers percent-encode double quotes in uploaded file names, and a file name holds no slash: markup without either.
    private const string EvilFile = "<em>boot<img src=x onerror=alert(1)>.png";
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            UserDataDir = Path.Combine(serve.Folder, "profile"),
            // A safeguard against a hung browser on a loaded machine, not a measurement.
            ProtocolTimeout = 300_000,
        });
    }

    public async Task DisposeAsync() => await _browser.CloseAsync();

    [Fact]
    public async Task Upload_Predict_Attack_TopKFalls_Download_AndNamesStayText()
    {
        await using var page = await _browser.NewPageAsync();
        page.DefaultTimeout = 300_000;
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e.Message);
        page.Dialog += async (_, e) =>
        {
            errors.Add("dialog: " + e.Dialog.Message);
            await e.Dialog.Dismiss();
        };
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 900 });
        await page.GoToAsync(serve.Server.Address.ToString());
        await page.WaitForSelectorAsync("body[data-ready='1']");

        string png = serve.SamplePng(7, EvilFile);
        var input = await page.QuerySelectorAsync("#file");
        await input.UploadFileAsync(png);
        await page.WaitForFunctionAsync("() => document.getElementById('label').textContent.length > 0");
        Assert.Equal(EvilFile, await Text(page, "#input-name"));
        Assert.Equal(8, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#maps img').length"));
        Assert.Equal(8, await page.EvaluateExpressionAsync<int>("Array.from(document.querySelectorAll('#maps img')).filter(i => i.complete && i.naturalWidth > 0).length"));

        // A short attack on the gradient map.
        await page.SelectAsync("#method", "gradient");
        await page.SelectAsync("#attack-name", "topk");
        await SetValue(page, "#iterations", "8");
        await SetValue(page, "#epsilon", "8");
        await page.ClickAsync("#start");
        await page.WaitForSelectorAsync("body[data-attack='done']");
        double topk = await page.EvaluateExpressionAsync<double>("Number(document.getElementById('r-summary').dataset.topk)");
        Assert.InRange(topk, 0, 0.99);
        Assert.Equal("8 of 8", await Text(page, "#live-step"));
        // The label stayed: the last iterate shows the clean prediction.
        Assert.StartsWith(await Text(page, "#label") + " (", await Text(page, "#live-label"), StringComparison.Ordinal);
        Assert.Equal(5, await page.EvaluateExpressionAsync<int>("Array.from(document.querySelectorAll('#result img')).filter(i => i.complete && i.naturalWidth > 0).length"));

        // Keep a picture for people to look at (the README's docs/figures/serve.png is one of these).
        await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "serve-screenshot.png"), new ScreenshotOptions { FullPage = true });

        // Download the exact perturbed image.
        string downloads = Directory.CreateDirectory(Path.Combine(serve.Folder, "downloads")).FullName;
        await page.Client.SendAsync("Browser.setDownloadBehavior", new Dictionary<string, object> { ["behavior"] = "allow", ["downloadPath"] = downloads });
        await page.ClickAsync("#download-perturbed-npy");
        string file = await Downloaded(downloads, ".npy");
        var npy = NpyFile.Read(file);
        Assert.Equal([1, 28, 28], npy.Shape);
        Assert.All(npy.ToSingle(), v => Assert.InRange(v, 0f, 1f));

        // Markup in the file name did not run, and no image element came from it.
        Assert.NotEqual("pwned", await page.EvaluateExpressionAsync<string>("document.title"));
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('em, img[src=\"x\"]').length"));

        // A model whose class names hold markup: shown as text.
        await page.SelectAsync("#model", ServeHarness.EvilModel);
        await page.WaitForFunctionAsync("() => Array.from(document.querySelectorAll('#top li')).some(li => li.textContent.includes('class '))");
        Assert.Contains(await page.EvaluateExpressionAsync<string[]>("Array.from(document.querySelectorAll('#top li')).map(li => li.textContent)"),
            t => t.StartsWith(ServeHarness.EvilClass, StringComparison.Ordinal));
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#top b, #top img, img[src=\"x\"]').length"));
        Assert.NotEqual("pwned", await page.EvaluateExpressionAsync<string>("document.title"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TestImageFromTheSample_AttackedLonger_MovesTheMapWhileTheLabelStays()
    {
        await using var page = await _browser.NewPageAsync();
        page.DefaultTimeout = 300_000;
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 900 });
        await page.GoToAsync(serve.Server.Address.ToString());
        await page.WaitForSelectorAsync("body[data-ready='1']");
        await page.SelectAsync("#dataset", "sample");
        await SetValue(page, "#index", "3");
        await page.ClickAsync("#load-dataset");
        await page.WaitForFunctionAsync("() => document.getElementById('label').textContent.length > 0");
        Assert.Equal("sample test image 3, true class Trouser", await Text(page, "#input-name"));
        Assert.Equal("Trouser", await Text(page, "#label"));
        await page.SelectAsync("#method", "gradient");
        await SetValue(page, "#iterations", "30");
        await page.ClickAsync("#start");
        await page.WaitForSelectorAsync("body[data-attack='done']");
        Assert.InRange(await page.EvaluateExpressionAsync<double>("Number(document.getElementById('r-summary').dataset.topk)"), 0, 0.9);
        Assert.StartsWith("Trouser (", await Text(page, "#live-label"), StringComparison.Ordinal);
        // The README's figure (docs/figures/serve.png) is this picture.
        await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "serve-figure.png"), new ScreenshotOptions { FullPage = true });
    }

    [Fact]
    public async Task BadUpload_ShowsTheServersMessage_OnThePage()
    {
        await using var page = await _browser.NewPageAsync();
        page.DefaultTimeout = 300_000;
        await page.GoToAsync(serve.Server.Address.ToString());
        await page.WaitForSelectorAsync("body[data-ready='1']");
        string fake = Path.Combine(serve.Folder, "broken.png");
        File.WriteAllText(fake, "not a picture");
        var input = await page.QuerySelectorAsync("#file");
        await input.UploadFileAsync(fake);
        await page.WaitForFunctionAsync("() => !document.getElementById('error').hidden");
        string message = await Text(page, "#error");
        Assert.Contains("'broken.png'", message, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", message, StringComparison.Ordinal);
    }

    /// <summary>The system chromium on PATH (Debian's package); a missing browser fails the test.</summary>
    private static string Chromium()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            string candidate = Path.Combine(dir, "chromium");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("chromium is not installed: run 'apt-get install chromium' (bash .ci/run does it).");
    }

    private static async Task<string> Text(IPage page, string selector) =>
        await page.EvaluateFunctionAsync<string>("s => document.querySelector(s).textContent", selector);

    private static Task SetValue(IPage page, string selector, string value) =>
        page.EvaluateFunctionAsync("(s, v) => { const e = document.querySelector(s); e.value = v; e.dispatchEvent(new Event('input')); }", selector, value);

    // Chromium writes a .crdownload file first and renames it when complete.
    private static async Task<string> Downloaded(string folder, string extension)
    {
        for (int i = 0; i < 3000; i++)
        {
            var done = Directory.EnumerateFiles(folder, "*" + extension).FirstOrDefault();
            if (done is not null) return done;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no {extension} file was downloaded to {folder}");
    }
}
