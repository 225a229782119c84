using System.Text.Json;
using System.Text.Json.Nodes;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Models;
using Fragility.Runtime;
using Fragility.Tests.Attacks;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Experiments;

public sealed partial class FragilitySweepTests : OneTorchThread
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"fragility-sweep-{Guid.NewGuid():N}");
    private readonly Classifier _model;

    // In the body, not a field initialiser: those run before the base class switches to one thread.
    public FragilitySweepTests() => _model = AttackTestModels.Trained();

    private static readonly SweepSettings Small = new()
    {
        Methods = ["gradient", "gxi"], Attacks = ["random", "topk"], Epsilons = [2, 4], Images = 5,
        Iterations = 3, Step = 1, K = 10, BatchSize = 2, ArrayImages = 2,
    };

    private static IAttributionMethod Methods(string name, int steps) => name switch
    {
        "gradient" => new SimpleGradient(),
        "gxi" => new GradientTimesInputOnRelu(),
        _ => throw new FragilityException($"unknown method {name}"),
    };

    private SelectedInputs Inputs(int count = 5, bool reversed = false)
    {
        var (images, labels) = AttackTestModels.Blobs(8, seed: 41);
        var data = new ImageDataset("blobs", images, labels, ["class0", "class1", "class2"]);
        using (data)
        {
            var chosen = SweepInputs.FirstCorrect(_model, data, count);
            if (!reversed) return chosen;
            using (chosen)
            {
                var order = Enumerable.Range(0, chosen.Count).Reverse().ToArray();
                return new SelectedInputs(chosen.Images.Subset(order), order.Select(i => chosen.Indices[i]).ToArray(), chosen.Dataset, chosen.Scanned);
            }
        }
    }

    private SweepOutcome Run(string dir, SweepSettings settings, SelectedInputs? inputs = null, bool overwrite = false,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        using var owned = inputs is null ? Inputs(settings.Images) : null;
        var sweep = new FragilitySweep(_model, inputs ?? owned!, settings, Methods, new SweepProvenance("fragility sweep (test)", ""));
        return sweep.Run(dir, overwrite, progress, cancellation);
    }

    private static List<JsonObject> Lines(string dir) =>
        File.ReadAllLines(Path.Combine(dir, SweepFiles.ResultsFile)).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    private static string Key(JsonObject o) => $"{o["image"]}|{o["method"]}|{o["attack"]}|{o["epsilon"]}";

    // Every field but the timing.
    private static string Content(JsonObject o)
    {
        var c = (JsonObject)o.DeepClone();
        c.Remove("seconds");
        return c.ToJsonString();
    }

    [Fact]
    public void Sweep_WritesOneLinePerCell_TheRunFile_AndArraysForTheFirstImagesOnly()
    {
        string dir = Path.Combine(_root, "full");
        var outcome = Run(dir, Small);
        Assert.Equal(5 * 2 * 2 * 2, outcome.TotalCells);
        Assert.Equal(outcome.TotalCells, outcome.CellsRun);

        var lines = Lines(dir);
        Assert.Equal(40, lines.Count);
        Assert.Equal(40, lines.Select(Key).Distinct().Count());
        string[] fields = ["image", "item", "label", "label_name", "method", "attack", "epsilon", "k", "topk_intersection", "spearman", "kendall",
            "center_shift", "label_after", "label_kept", "confidence_before", "confidence_after", "linf", "failed", "seconds"];
        foreach (var line in lines)
        {
            Assert.Equal(fields, line.Select(kv => kv.Key).ToArray());
            Assert.Equal(10, (int)line["k"]!);
            Assert.True((double)line["linf"]! <= (double)line["epsilon"]! + 1e-4);
            Assert.True((bool)line["label_kept"]!);
            Assert.Equal(line["label"]!.GetValue<long>(), line["label_after"]!.GetValue<long>());
        }

        var run = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SweepFiles.RunFile)))!;
        foreach (string f in new[] { "command", "model", "model_path", "architecture", "dataset", "images", "methods", "attacks", "epsilons",
                     "iterations", "step", "k", "beta", "seed", "batch_size", "ig_steps", "attack_steps", "class_names", "versions", "created_utc", "fingerprint" })
            Assert.True(run.ContainsKey(f), f);
        Assert.Equal(5, (int)run["images"]!);
        Assert.Equal("0.107.0", run["versions"]!["torchsharp"]!.GetValue<string>());

        var images = lines.Select(l => (int)l["image"]!).Distinct().ToList();   // data-set order
        string arrays = Path.Combine(dir, SweepFiles.ArraysFolder);
        foreach (int image in images.Take(2))
        {
            Assert.True(File.Exists(Path.Combine(dir, SweepFiles.CleanImage(image))));
            Assert.True(File.Exists(Path.Combine(dir, SweepFiles.CleanMap(image, "gxi"))));
            Assert.True(File.Exists(Path.Combine(dir, SweepFiles.Perturbed(image, "gradient", "topk", 4))));
            Assert.True(File.Exists(Path.Combine(dir, SweepFiles.PerturbedMap(image, "gradient", "random", 2))));
        }
        Assert.DoesNotContain(Directory.GetFiles(arrays), f => images.Skip(2).Any(i => Path.GetFileName(f).Contains($"_{i}_") || Path.GetFileName(f) == $"x_{i}.npy"));
        Assert.Equal(2 + 2 * 2 + 2 * 2 * 2 * 2 * 2, Directory.GetFiles(arrays).Length);
        Assert.Empty(Directory.GetFiles(arrays, "*.tmp"));

        // The reporting reads the folder back: one summary row per method x attack x epsilon, and the figure.
        var summary = Fragility.Reporting.SweepSummary.Load(dir);
        Assert.Equal(8, summary.Rows.Count);
        Assert.All(summary.Rows, r => Assert.Equal(5, r.Images));
        Assert.True(File.Exists(Path.Combine(dir, SweepFiles.SummaryFile)));
        Assert.True(new FileInfo(Path.Combine(dir, SweepFiles.FigureFile)).Length > 1000);

        // The adversarial array is the returned image: within epsilon of the clean array.
        var x = Fragility.IO.NpyFile.ReadSingle(Path.Combine(dir, SweepFiles.CleanImage(images[0])), out var xShape);
        var adv = Fragility.IO.NpyFile.ReadSingle(Path.Combine(dir, SweepFiles.Perturbed(images[0], "gradient", "topk", 4)), out var advShape);
        Assert.Equal(new[] { 1, AttackTestModels.Size, AttackTestModels.Size }, xShape);
        Assert.Equal(xShape, advShape);
        Fragility.IO.NpyFile.ReadSingle(Path.Combine(dir, SweepFiles.CleanMap(images[0], "gradient")), out var mapShape);
        Assert.Equal(new[] { AttackTestModels.Size, AttackTestModels.Size }, mapShape);
        Assert.Equal(x.Length, adv.Length);
        Assert.True(x.Zip(adv).Max(p => Math.Abs(p.First - p.Second)) <= 4 / 255.0 + 1e-6);
    }

    [Fact]
    public void InterruptedSweep_Resumes_WithExactlyOneLinePerCell_AndTheSameResults()
    {
        string whole = Path.Combine(_root, "whole");
        Run(whole, Small);
        var expected = Lines(whole).ToDictionary(Key, Content);

        string dir = Path.Combine(_root, "interrupted");
        using var cts = new CancellationTokenSource();
        var stopAfter = new SyncProgress(u => { if (u.Done >= 13) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Run(dir, Small, progress: stopAfter, cancellation: cts.Token));
        int partial = Lines(dir).Count;
        Assert.InRange(partial, 13, 39);

        var outcome = Run(dir, Small);
        Assert.Equal(partial, outcome.CellsResumed);
        Assert.Equal(40 - partial, outcome.CellsRun);
        var lines = Lines(dir);
        Assert.Equal(40, lines.Count);
        Assert.Equal(expected.Keys.Order(), lines.Select(Key).Order());
        foreach (var line in lines) Assert.Equal(expected[Key(line)], Content(line));

        // A finished sweep re-run does nothing.
        var again = Run(dir, Small);
        Assert.Equal(0, again.CellsRun);
        Assert.Equal(40, Lines(dir).Count);
    }

    [Fact]
    public void TruncatedLastLine_IsDropped_AndItsCellRunAgain()
    {
        string dir = Path.Combine(_root, "truncated");
        Run(dir, Small);
        string path = Path.Combine(dir, SweepFiles.ResultsFile);
        var all = File.ReadAllLines(path);
        // Keep 30 complete lines, then half of the 31st without its newline (a kill in the middle of a write).
        File.WriteAllText(path, string.Join("\n", all.Take(30)) + "\n" + all[30][..(all[30].Length / 2)]);
        // ... and a partial array that was never renamed into place.
        string arrays = Path.Combine(dir, SweepFiles.ArraysFolder);
        string partial = Directory.GetFiles(arrays, "adv_*").First() + ".tmp";
        File.WriteAllBytes(partial, [0x93, (byte)'N', (byte)'U']);

        var outcome = Run(dir, Small);
        Assert.True(outcome.DroppedIncompleteLine);
        Assert.Equal(10, outcome.CellsRun);
        string text = File.ReadAllText(path);
        Assert.EndsWith("\n", text);
        var lines = Lines(dir);
        Assert.Equal(40, lines.Count);
        Assert.Equal(40, lines.Select(Key).Distinct().Count());
        Assert.Equal(all.Select(l => Content((JsonObject)JsonNode.Parse(l)!)).Order(), lines.Select(Content).Order());
        Assert.Empty(Directory.GetFiles(arrays, "*.tmp"));
    }

    [Fact]
    public void DifferentSettings_OnTheSameFolder_AreAClearError_UnlessOverwritten()
    {
        string dir = Path.Combine(_root, "mismatch");
        var one = Small with { Methods = ["gradient"], Attacks = ["random"], Images = 2 };
        Run(dir, one);
        var other = one with { Epsilons = [2, 8] };
        var e = Assert.Throws<FragilityException>(() => Run(dir, other));
        Assert.Contains("epsilons", e.Message);
        Assert.Contains("--overwrite", e.Message);
        Assert.Contains("--out", e.Message);

        var seeded = Assert.Throws<FragilityException>(() => Run(dir, one with { Seed = 1 }));
        Assert.Contains("seed", seeded.Message);

        // Batch size and array count do not change results, so they are not part of the fingerprint.
        Assert.Equal(0, Run(dir, one with { BatchSize = 1, ArrayImages = 0 }).CellsRun);

        var replaced = Run(dir, other, overwrite: true);
        Assert.Equal(replaced.TotalCells, replaced.CellsRun);
        Assert.All(Lines(dir), l => Assert.Contains((double)l["epsilon"]!, new[] { 2.0, 8.0 }));
    }

    [Fact]
    public void ASecondSweepIntoAFolderInUse_IsRefused_AndLeavesItsFilesAlone()
    {
        string dir = Path.Combine(_root, "busy");
        var one = Small with { Methods = ["gradient"], Attacks = ["random"], Images = 2 };
        Run(dir, one);
        string results = Path.Combine(dir, SweepFiles.ResultsFile);
        var before = File.ReadAllBytes(results);
        // Stands in for a running sweep: it holds the folder's lock.
        using (new FileStream(Path.Combine(dir, ".sweep.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var e = Assert.Throws<FragilityException>(() => Run(dir, one, overwrite: true));
            Assert.Contains("in use by another sweep", e.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(results));
        Assert.Equal(0, Run(dir, one).CellsRun);
        Assert.False(File.Exists(Path.Combine(dir, ".sweep.lock")));
    }

    [Fact]
    public void RandomSignResults_DoNotDependOnBatchingOrOrder()
    {
        var settings = Small with { Methods = ["gradient"], Attacks = ["random", "random_walk"], ArrayImages = 5 };
        string a = Path.Combine(_root, "order-a");
        string b = Path.Combine(_root, "order-b");
        Run(a, settings);
        using (var reversed = Inputs(5, reversed: true))
            Run(b, settings with { BatchSize = 3 }, reversed);
        var first = Lines(a).ToDictionary(Key);
        var second = Lines(b).ToDictionary(Key);
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach (var (key, line) in first) AssertSameUpToRoundOff(line, second[key]);
        // The claim of exactness is the draw: the perturbed images are the same bits whatever the batching.
        var perturbed = Directory.GetFiles(Path.Combine(a, SweepFiles.ArraysFolder), "adv_*");
        Assert.NotEmpty(perturbed);
        foreach (string file in perturbed)
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(b, SweepFiles.ArraysFolder, Path.GetFileName(file))));
    }

    /// <summary>
    /// Same fields and values, numbers equal up to float32 round-off. Maps of a batch of 2 and of 3 are summed in
    /// another order (and with other SIMD widths on other CPUs), so a metric computed from them may differ in the
    /// 7th significant digit (measured: 0.0007340314749654376 vs 0.0007340310224434042); 1e-5 relative (absolute
    /// below 1) bounds the round-off of float32 sums over these 100-pixel maps with room to spare, and is far below
    /// any difference a wrong draw or a mixed-up input would make.
    /// </summary>
    private static void AssertSameUpToRoundOff(JsonObject expected, JsonObject actual)
    {
        var fields = expected.Select(p => p.Key).Where(k => k != "seconds").Order().ToArray();
        Assert.Equal(fields, actual.Select(p => p.Key).Where(k => k != "seconds").Order().ToArray());
        foreach (string field in fields)
        {
            var e = expected[field];
            var a = actual[field];
            if (e is JsonValue ev && ev.TryGetValue(out double x) && a is JsonValue av && av.TryGetValue(out double y))
                Assert.True(Math.Abs(x - y) <= 1e-5 * Math.Max(1, Math.Abs(x)), $"{field}: {x} vs {y}");
            else
                Assert.Equal(e?.ToJsonString(), a?.ToJsonString());
        }
    }

    [Fact]
    public void InvalidSweepSettings_AreClearErrors()
    {
        Assert.Contains("--epsilon", Assert.Throws<FragilityException>(() => Run(Path.Combine(_root, "bad"), Small with { Epsilons = [0] })).Message);
        Assert.Contains("--batch-size", Assert.Throws<FragilityException>(() => (Small with { BatchSize = 0 }).Validate(10, 10)).Message);
        Assert.Contains("twice", Assert.Throws<FragilityException>(() => (Small with { Epsilons = [2, 2] }).Validate(10, 10)).Message);
        Assert.Contains("--target", Assert.Throws<FragilityException>(() => (Small with { Attacks = ["targeted"] }).Validate(10, 10)).Message);
        Assert.Contains("unknown", Assert.Throws<FragilityException>(() => (Small with { Attacks = ["unknown"] }).Validate(10, 10)).Message.ToLowerInvariant());
    }

    public override void Dispose()
    {
        base.Dispose();
        _model.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    /// <summary>Gradient x input on the ReLU network: a method that needs no smooth twin.</summary>
    private sealed class GradientTimesInputOnRelu : IAttributionMethod
    {
        public string Name => "gxi";
        public bool NeedsSmoothTwinForAttack => false;
        public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
        {
            using var scope = torch.NewDisposeScope();
            var x = createGraph && input.requires_grad ? input : input.detach().requires_grad_(createGraph);
            return Gradients.OfClassScore(model, x, target, createGraph).mul(x).MoveToOuterDisposeScope();
        }
    }
}
