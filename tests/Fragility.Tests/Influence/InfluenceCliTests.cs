using System.Text;
using System.Text.Json;
using Fragility.Data;
using Fragility.Models;
using Fragility.Tests.Cli;
using TorchSharp;

namespace Fragility.Tests.Influence;

/// <summary>The influence and influence-attack commands end to end on a small random model and the installed Fashion-MNIST.</summary>
[Collection("console")]
public sealed class InfluenceCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fragility-influence-cli-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public InfluenceCliTests()
    {
        Directory.CreateDirectory(_dir);
        _model = Path.Combine(_dir, "m.safetensors");
        torch.manual_seed(3);
        using var model = ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn, ClassNames = DatasetCatalog.FashionMnistClassNames, Dataset = "fashion-mnist",
            Preprocessing = new Preprocessing { Channels = 1, Height = 28, Width = 28, Mean = [0.29], Std = [0.35] },
        });
        ModelStore.Save(model, _model);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private string[] Task(params string[] extra) => ["--model", _model, "--train-per-class", "15", "--tests", "3", .. extra];

    [Fact]
    public void Influence_WritesJsonLinesNpyAndGalleries()
    {
        string outDir = Path.Combine(_dir, "inf");
        var (code, output, err) = CliHarness.Run(["influence", .. Task("--out", outDir, "--top", "4")]);
        Assert.True(code == 0, err);
        Assert.Contains("train_accuracy", output);
        var lines = File.ReadAllLines(Path.Combine(outDir, "influence.jsonl"));
        Assert.Equal(3, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(4, first.RootElement.GetProperty("helpful").GetArrayLength());
        double h0 = first.RootElement.GetProperty("helpful")[0].GetProperty("influence").GetDouble();
        double harm0 = first.RootElement.GetProperty("harmful")[0].GetProperty("influence").GetDouble();
        Assert.True(h0 < harm0);
        // influence.npy: NumPy format 1.0 header, float64, shape (3, 30), then the values of influence.jsonl.
        var bytes = File.ReadAllBytes(Path.Combine(outDir, "influence.npy"));
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f8'", header);
        Assert.Contains("'shape': (3, 30)", header);
        Assert.Equal(10 + headerLength + 3 * 30 * 8, bytes.Length);
        var values = Enumerable.Range(0, 90).Select(i => BitConverter.ToDouble(bytes, 10 + headerLength + 8 * i)).ToArray();
        Assert.Equal(h0, values.Take(30).Min());
        using var head = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "head.json")));
        Assert.Equal(30, head.RootElement.GetProperty("train_indices").GetArrayLength());
        Assert.Equal(3, Directory.GetFiles(Path.Combine(outDir, "gallery"), "*.png").Length);
    }

    [Fact]
    public void Influence_ExplainsChosenTestImages_AndChecksCgAgainstExact()
    {
        string outDir = Path.Combine(_dir, "chosen");
        var (code, output, err) = CliHarness.Run(["influence", .. Task("--out", outDir, "--test", "0,sample:1", "--solver", "cg")]);
        Assert.True(code == 0, err);
        Assert.Contains("Check against the exact solve", output);
        var lines = File.ReadAllLines(Path.Combine(outDir, "influence.jsonl"));
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"test\":\"test:0\"", lines[0]);
        Assert.Contains("\"test\":\"sample:1\"", lines[1]);
        // Test image 1 is a Pullover, not one of the classes: explained for the head's prediction.
        Assert.Contains("\"label_source\":\"prediction\"", lines[1]);
    }

    [Fact]
    public void ValidateLoo_WritesLooCsvAndPrintsPearson()
    {
        string outDir = Path.Combine(_dir, "loo");
        var (code, output, err) = CliHarness.Run(["influence", .. Task("--out", outDir, "--validate-loo", "--loo-tests", "2", "--loo-points", "6", "--loo-l2", "0.1,1")]);
        Assert.True(code == 0, err);
        Assert.Contains("loo_pearson l2=0.1 r=", output);
        Assert.Contains("loo_pearson l2=1 r=", output);
        var rows = File.ReadAllLines(Path.Combine(outDir, "loo.csv"));
        Assert.Equal(1 + 2 * 2 * 6, rows.Length);
    }

    [Fact]
    public void InfluenceAttack_WritesAResumableRun()
    {
        string outDir = Path.Combine(_dir, "atk");
        string[] args = ["influence-attack", .. Task("--out", outDir, "--epsilons", "2,8", "--steps", "3", "--step-size", "2", "--gallery-tests", "1")];
        var (code, _, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        string results = Path.Combine(outDir, "results.jsonl");
        var lines = File.ReadAllLines(results);
        Assert.Equal(5 * 2 * 3, lines.Length); // (single-step, iterative) x (raw, normalized) + random; 2 epsilons; 3 tests
        foreach (var f in new[] { "summary.csv", "influence-attack.png", "report.html", "run.json" }) Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        Assert.Equal(1 + 5 * 2, File.ReadAllLines(Path.Combine(outDir, "summary.csv")).Length);
        // The run folder is a report section: figure, summary table and one gallery (one gallery test point).
        var section = new Fragility.Reporting.FolderSection(outDir);
        Assert.StartsWith("Influence functions", section.Title);
        var body = new Fragility.Reporting.HtmlBuilder();
        section.WriteBody(body);
        string html = body.ToString();
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(html, "data:image/png").Count);
        Assert.Contains("<table", html);
        Assert.Single(Directory.GetFiles(outDir, "influence-gallery-*.png"));
        string report = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(report, "data:image/png").Count);

        // Interrupt: cut the last line in half; the rerun drops it, recomputes it, and duplicates nothing.
        var text = File.ReadAllText(results);
        File.WriteAllText(results, text[..(text.Length - 30)]);
        var (code2, output2, err2) = CliHarness.Run(args);
        Assert.True(code2 == 0, err2);
        Assert.Contains("1 results computed, 29 resumed", output2.Replace("\n", " "));
        var again = File.ReadAllLines(results);
        Assert.Equal(30, again.Length);
        Assert.Equal(30, again.Select(l => { using var d = JsonDocument.Parse(l); var r = d.RootElement; return (r.GetProperty("attack").GetString(), r.GetProperty("epsilon").GetDouble(), r.GetProperty("test").GetInt32()); }).Distinct().Count());

        // Different settings in the same folder are refused.
        var (code3, _, err3) = CliHarness.Run(["influence-attack", .. Task("--out", outDir, "--epsilons", "2", "--l2", "0.5")]);
        Assert.Equal(2, code3);
        Assert.Contains("l2", err3);
    }

    [Fact]
    public void InfluenceAttack_TwoWorkers_GiveTheSingleProcessResults()
    {
        // Four test points in batches of two: one batch per worker, each a real process.
        string[] args = ["influence-attack", "--model", _model, "--train-per-class", "15", "--tests", "4", "--batch", "2", "--epsilons", "8", "--attacks", "single-step,random", "--objectives", "raw", "--threads", "1"];
        string one = Path.Combine(_dir, "one"), two = Path.Combine(_dir, "two");
        var single = CliHarness.Run([.. args, "--jobs", "1", "--out", one]);
        Assert.True(single.Code == 0, single.Err);
        var jobs = CliHarness.Run([.. args, "--jobs", "2", "--out", two]);
        Assert.True(jobs.Code == 0, jobs.Err);
        Assert.Contains("Running 2 worker processes, each a shard of the 4 test points", jobs.Out);
        Assert.Empty(Directory.GetFiles(two, "results.shard-*"));   // taken into results.jsonl
        var expected = File.ReadAllLines(Path.Combine(one, "results.jsonl")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2 * 4, expected.Count);
        Assert.Equal(expected, File.ReadAllLines(Path.Combine(two, "results.jsonl")).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllText(Path.Combine(one, "summary.csv")), File.ReadAllText(Path.Combine(two, "summary.csv")));
        // Again: everything is in results.jsonl, so the workers compute nothing.
        var again = CliHarness.Run([.. args, "--jobs", "2", "--out", two]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("0 results computed, 8 resumed", again.Out.Replace("\n", " "));
    }

    [Fact]
    public void BadClasses_IsOneLineErrorListingTheNames()
    {
        var (code, _, err) = CliHarness.Run(["influence", .. Task("--classes", "Sneaker,Boots")]);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("Ankle boot", err);
    }
}
