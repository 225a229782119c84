using System.Diagnostics;
using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Issue 18 item 3: one top-k cell (shipped small-cnn, the first N correctly classified sample images, k = 78, eps
/// 8/255, step 0.5/255, P iterations, label and top-k criterion on the ReLU network every step) on the gradient map
/// (softplus(1) twin) and on the DeepLIFT map (gradient routing at the max-pools, zero reference), with Fragility and
/// with the plain PyTorch script benchmarks/pytorch/topk_cell.py, at the same thread count, reps alternated so that
/// both see the same machine load. Prints both medians, the mean top-k intersection each reached (the same work) and
/// the speed ratio Fragility / PyTorch per method.
/// </summary>
public sealed class PyTorchSuite : IBenchmarkSuite
{
    /// <summary>The interpreter with Debian's python3-torch (the pyenv python3 on PATH has no torch).</summary>
    private const string Python = "/usr/bin/python3";

    private const string Script = "benchmarks/pytorch/topk_cell.py";

    /// <inheritdoc />
    public string Name => "pytorch";

    /// <inheritdoc />
    public string Description => "top-k gradient and DeepLIFT cells (small-cnn, 16 images) side by side with plain PyTorch (" + Script + ", /usr/bin/python3), speed ratios";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        // The gradient map, attacked through the softplus twin; DeepLIFT (gradient routing at the max-pools, zero
        // reference), attacked on the ReLU network, where Fragility takes the criterion's map from the gradient's pass.
        Cell(bench, "gradient");
        Cell(bench, "deeplift_gradmax");
    }

    private void Cell(Bench bench, string methodName)
    {
        int images = bench.Quick ? 4 : 16, iterations = bench.Quick ? 10 : 100, threads = torch.get_num_threads();
        using var model = BenchModels.SmallCnn();
        using var x = CorrectlyClassified(model, images);
        var method = AttributionMethods.Create(methodName, new AttributionOptions { Reference = References.Create(model, "zero") });
        var attack = FragilityAttack.TopK(model, method, new AttackSettings
        {
            Epsilon = 8, Step = 0.5, Iterations = iterations, K = 78, Beta = 1.0, Criterion = AttackCriterion.TopK,
        });
        // Which saving gave what: the same cell also runs without each saving, and without all of them (as the plain
        // script does the work). The label check from the criterion map's pass applies to both maps; the criterion map
        // from the gradient's pass and the reference's pass made once only to DeepLIFT, attacked on the ReLU network.
        (string Name, FragilityAttack Attack)[] without = method.NeedsSmoothTwinForAttack
            ?
            [
                ("label check's own forward pass", Variant(shareMaps: true, reuseReference: true, labelsFromMapPass: false)),
            ]
            :
            [
                ("criterion map made again", Variant(shareMaps: false, reuseReference: true, labelsFromMapPass: true)),
                ("reference pass made at every step", Variant(shareMaps: true, reuseReference: false, labelsFromMapPass: true)),
                ("label check's own forward pass", Variant(shareMaps: true, reuseReference: true, labelsFromMapPass: false)),
                ("no saving", Variant(shareMaps: false, reuseReference: false, labelsFromMapPass: false)),
            ];
        FragilityAttack Variant(bool shareMaps, bool reuseReference, bool labelsFromMapPass) =>
            new(AttackNames.TopK, model, method, c => new TopKObjective(c.Maps, attack.Settings.ResolveK(c.Height, c.Width)), attack.Settings)
            {
                ShareMaps = shareMaps, ReuseReferencePass = reuseReference, LabelsFromMapPass = labelsFromMapPass,
            };
        double reached = double.NaN;
        double Run(FragilityAttack a)
        {
            using var clean = CleanReference.Compute(model, method, x);
            using var r = a.Run(clean);
            return r.Outcomes.Average(o => o.Criterion);
        }

        string? script = FindScript();
        bool python = script is not null && PythonHasTorch();
        if (!python) Console.WriteLine($"  PyTorch side skipped: {(script is null ? Script + " not found above the working directory" : Python + " with torch not found")}");
        string pyArgs = script is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"\"{script}\" --method {methodName} --threads {threads} --images {images} --iterations {iterations} --k 78 --epsilon 8 --step 0.5 --beta 1 --reps 1 --warmup 1");

        var warm = Stopwatch.StartNew();
        for (int i = 0; i < bench.Warmup || warm.ElapsedMilliseconds < 500; i++) Run(attack);
        var ours = new List<double>();
        var oursWithout = without.Select(_ => new List<double>()).ToArray();
        var theirs = new List<double>();
        double pyReached = double.NaN;
        for (int rep = 0; rep < bench.Repetitions; rep++)
        {
            var sw = Stopwatch.StartNew();
            reached = Run(attack);
            ours.Add(sw.Elapsed.TotalMilliseconds);
            for (int v = 0; v < without.Length; v++)
            {
                sw.Restart();
                if (Run(without[v].Attack) != reached) throw new InvalidOperationException($"{without[v].Name}: the saving changed the result");
                oursWithout[v].Add(sw.Elapsed.TotalMilliseconds);
            }
            if (!python) continue;
            // Its own process, warmed up inside (one untimed cell), timed inside: interpreter start-up is not counted.
            var (ms, topk) = RunPython(pyArgs);
            theirs.Add(ms);
            pyReached = topk;
        }
        string what = $"small-cnn {methodName} top-k cell, {images} images x {iterations} steps, {threads} threads";
        var f = bench.Report(Name, $"Fragility: {what}", ours, iterations, "steps",
            string.Create(CultureInfo.InvariantCulture, $"mean top-k intersection {reached:F4}"));
        var w = without.Select((v, i) => bench.Report(Name, $"Fragility, {v.Name}: {what}", oursWithout[i], iterations, "steps", "the same iterates")).ToArray();
        for (int v = 0; v < w.Length; v++) bench.Record(Name, $"{methodName}: time with {without[v].Name} / with every saving", w[v].MedianMs / f.MedianMs, "x", "same run");
        if (!python) return;
        var p = bench.Report(Name, $"PyTorch {Script}: {what}", theirs, iterations, "steps",
            string.Create(CultureInfo.InvariantCulture, $"mean top-k intersection {pyReached:F4}"));
        bench.Record(Name, $"speed Fragility / PyTorch, {methodName} ({threads} threads)", p.MedianMs / f.MedianMs, "x",
            "PyTorch median time / Fragility median time, reps alternated in one run");
        if (w.Length > 0)
            bench.Record(Name, $"speed Fragility without its savings / PyTorch, {methodName} ({threads} threads)", p.MedianMs / w[^1].MedianMs, "x",
                "what the rest (less overhead per operation) gives alone");
    }

    /// <summary>The first <paramref name="n"/> sample test images the model classifies correctly (as the script picks them).</summary>
    private static Tensor CorrectlyClassified(Classifier model, int n)
    {
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null);
        var predicted = model.Predict(data.Images).Labels;
        var keep = Enumerable.Range(0, data.Count).Where(i => predicted[i] == data.Labels[i]).Take(n).Select(i => (long)i).ToArray();
        if (keep.Length < n) throw new InvalidOperationException($"only {keep.Length} correctly classified sample images");
        using var index = torch.tensor(keep);
        return data.Images.index_select(0, index).contiguous();
    }

    private static string? FindScript()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, Script);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static bool PythonHasTorch()
    {
        if (!File.Exists(Python)) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, "-c \"import torch\"") { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Runs the script once; returns its timed cell (ms) and mean top-k intersection from its RESULT line.</summary>
    private static (double Ms, double TopK) RunPython(string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo(Python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (p.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"{Python} {arguments} failed (exit {p.ExitCode}): {stderr.Result}");
        var fields = line[7..].Split(' ').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        return (double.Parse(fields["median_ms"], CultureInfo.InvariantCulture), double.Parse(fields["mean_topk"], CultureInfo.InvariantCulture));
    }
}
