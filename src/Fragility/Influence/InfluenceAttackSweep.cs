using System.Text.Json;
using System.Text.Json.Nodes;
using Fragility.Data;
using Fragility.Experiments.Sharding;
using Fragility.Runtime;
using TorchSharp;

namespace Fragility.Influence;

/// <summary>
/// Runs a grid of influence attacks over the test points of an <see cref="InfluenceSetup"/> and writes a resumable run
/// folder: run.json (settings), results.jsonl (one line per attack, epsilon and test point; re-running resumes, a
/// truncated last line is dropped, no line is written twice), summary.csv, influence-attack.png (both metrics against
/// epsilon), report.html (summary and before/after galleries), and section.json with the galleries as PNGs, so that the
/// folder is also a report section (<see cref="Reporting.FolderSection"/>: <c>fragility report SWEEP --section RUN</c>).
/// </summary>
public static class InfluenceAttackSweep
{
    /// <summary>run.json: the settings of the run; results are only resumed when the settings that shape them agree.</summary>
    public const string RunFileName = "run.json";

    /// <summary>Settings that must agree for results to be resumed (epsilons, attacks and the number of tests may grow).</summary>
    public static IReadOnlyList<string> FingerprintKeys { get; } =
        ["model_sha256", "dataset", "classes", "train_per_class", "l2", "solver", "top", "keep_top", "steps", "step_size", "surrogate", "seed"];

    /// <summary>The manifest of a run of <paramref name="options"/> on <paramref name="setup"/>.</summary>
    public static InfluenceAttackManifest Manifest(InfluenceSetup setup, InfluenceSweepOptions options, string model, string modelSha256, string dataset, string command)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var a = options.Attacks[0];
        return new InfluenceAttackManifest
        {
            Classes = string.Join(",", setup.ClassNames), TrainPerClass = setup.Settings.TrainPerClass.ToString(inv), L2 = setup.Settings.L2.ToString("R", inv),
            Solver = setup.Influence.Solver.Name, Top = a.TopHelpful.ToString(inv), KeepTop = a.KeepTop.ToString(inv), Steps = a.Steps.ToString(inv),
            StepSize = a.StepSize.ToString("R", inv), Surrogate = a.SoftplusBeta is double b ? "softplus:" + b.ToString("R", inv) : "relu", Seed = a.Seed.ToString(inv),
            Tests = setup.TestIndices.Count, Attacks = string.Join(",", options.Attacks.Select(x => x.Name)),
            Epsilons = string.Join(",", options.Epsilons.Select(e => e.ToString("R", inv))), TrainAccuracy = setup.TrainAccuracy, TestAccuracy = setup.TestAccuracy,
            Model = model, ModelSha256 = modelSha256, Dataset = dataset, Command = command,
        };
    }

    /// <summary>Runs the grid (skipping what results.jsonl already holds) and writes the run folder.</summary>
    /// <param name="setup">The experiment.</param>
    /// <param name="options">Attacks, epsilons, batch size.</param>
    /// <param name="outDir">Run folder (created).</param>
    /// <param name="manifest">What run.json records (<see cref="Manifest"/>).</param>
    /// <param name="progress">Reports test points done.</param>
    /// <param name="shard">Compute only this shard's test points (whole batches of the single run, so each point's result is
    /// the single run's bit for bit) into results.shard-I-of-N.jsonl, and write nothing else; a run without a shard
    /// first takes the shards' results into results.jsonl, then computes what is missing and writes the outputs.</param>
    /// <param name="cancellation">Stops between batches; finished results are kept.</param>
    public static InfluenceSweepResult Run(InfluenceSetup setup, InfluenceSweepOptions options, string outDir, InfluenceAttackManifest manifest, IProgress<ProgressUpdate>? progress = null,
        SweepShard? shard = null, CancellationToken cancellation = default)
    {
        options.Validate();
        if (options.Attacks.Select(a => (a.TopHelpful, a.KeepTop, a.Steps, a.StepSize, a.SoftplusBeta, a.Seed)).Distinct().Count() > 1)
            throw new FragilityException("All attacks of one run must share --top, --steps, --step-size, --beta and --seed.");
        using var folder = IO.FolderLock.Take(outDir, shard is null ? "influence-attack" : $"influence-attack.{shard.Tag}", "influence attack run");
        var run = manifest.ToJson();
        CheckOrWriteRun(outDir, run);
        using var results = InfluenceResultsFile.Open(Path.Combine(outDir, shard is null ? InfluenceResultsFile.FileName : ShardFiles.ResultsFile(shard)));
        if (shard is null) TakeShards(outDir, results);
        // A shard skips what the whole run's file already holds (an earlier run's, merged), as well as its own.
        var merged = shard is null ? null : InfluenceResultsFile.Keys(Path.Combine(outDir, InfluenceResultsFile.FileName));
        var attack = new InfluenceAttack(setup.Features, setup.Influence);
        var owned = Owned(setup.TestIndices.Count, options.BatchSize, shard);
        int tests = owned.Count;
        long total = (long)options.Attacks.Count * options.Epsilons.Count * tests, done = 0;
        int computed = 0, resumed = 0;
        var (c, h, w) = setup.TestImages.ImageShape;
        // Attacks differ in cost by two orders of magnitude (300 steps against one): the time left is weighted by
        // the measured cost of each attack.
        var remaining = options.Attacks.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => (long)g.Count() * options.Epsilons.Count * tests);
        ProgressUpdate Update(InfluenceAttackOptions a, double eps, string? kind) =>
            new("influence attack", done, total, $"{a.Name} eps {eps}", Resumed: resumed, Kind: kind, RemainingByKind: new Dictionary<string, long>(remaining));
        foreach (var a in options.Attacks)
        foreach (var eps in options.Epsilons)
        {
            var pending = owned.Where(t => !results.Contains(a.Name, eps, setup.TestIndices[t]) && merged?.Contains((a.Name, eps, setup.TestIndices[t])) != true).ToList();
            resumed += tests - pending.Count;
            done += tests - pending.Count;
            remaining[a.Name] -= tests - pending.Count;
            for (int start = 0; start < pending.Count; start += options.BatchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                var batch = pending.Skip(start).Take(options.BatchSize).ToArray();
                progress?.Report(Update(a, eps, a.Name));
                using var scope = torch.NewDisposeScope();
                var images = setup.TestImages.Images.index_select(0, torch.tensor(batch.Select(t => (long)t).ToArray()));
                var labels = batch.Select(t => setup.TestLabels[t]).ToArray();
                var ids = batch.Select(t => setup.TestIndices[t]).ToArray();
                var outcomes = attack.Run(images, labels, ids, eps, a);
                for (int k = 0; k < batch.Length; k++)
                    if (batch[k] < options.GalleryTests)
                        ImageCodec.SavePng(torch.tensor(outcomes[k].Perturbed, new long[] { c, h, w }), PerturbedPath(outDir, a.Name, eps, ids[k]));
                computed += results.Append(outcomes.Select((o, k) => InfluenceAttackRecord.From(o, labels[k], setup.TrainIndices)));
                done += batch.Length;
                remaining[a.Name] -= batch.Length;
            }
        }
        progress?.Report(Update(options.Attacks[^1], options.Epsilons[^1], null));
        if (shard is not null) return new InfluenceSweepResult([], computed, resumed, results.DroppedBytes, outDir);
        var names = options.Attacks.Select(a => a.Name).ToHashSet();
        var testSet = setup.TestIndices.ToHashSet();
        var grid = results.Records.Where(r => names.Contains(r.Attack) && options.Epsilons.Contains(r.Epsilon) && testSet.Contains(r.Test)).ToList();
        var summary = InfluenceSummary.Compute(grid);
        InfluenceSummary.Write(summary, Path.Combine(outDir, InfluenceSummary.FileName));
        InfluenceAttackFigure.Save(summary, Path.Combine(outDir, InfluenceAttackFigure.FileName));
        var section = new InfluenceReportSection(setup, grid, summary, outDir, options.GalleryTests, run);
        InfluenceReport.Write(Path.Combine(outDir, InfluenceReport.FileName), section);
        WriteFolderSection(outDir, section);
        return new InfluenceSweepResult(summary, computed, resumed, results.DroppedBytes, outDir);
    }

    /// <summary>The test points (positions in the setup's test list) a shard computes: whole batches of
    /// <paramref name="batchSize"/>, as <see cref="SweepShard.Batches"/> splits them; every one without a shard.</summary>
    private static IReadOnlyList<int> Owned(int tests, int batchSize, SweepShard? shard)
    {
        if (shard is null) return Enumerable.Range(0, tests).ToList();
        var (first, count) = shard.Batches((tests + batchSize - 1) / batchSize);
        int start = first * batchSize, end = Math.Min(tests, (first + count) * batchSize);
        return Enumerable.Range(start, Math.Max(0, end - start)).ToList();
    }

    /// <summary>Moves the results of shards (results.shard-I-of-N.jsonl beside it) into <paramref name="results"/>:
    /// a key already there is not written twice, and a shard file is deleted once its lines are in.</summary>
    private static void TakeShards(string outDir, InfluenceResultsFile results)
    {
        foreach (string path in Directory.EnumerateFiles(outDir, "results.shard-*-of-*.jsonl").Order(StringComparer.Ordinal))
        {
            using (var part = InfluenceResultsFile.Open(path)) results.Append(part.Records);
            File.Delete(path);
        }
    }

    /// <summary>Where the perturbed image of a gallery test point is saved.</summary>
    public static string PerturbedPath(string outDir, string attack, double epsilon, int test) =>
        Path.Combine(outDir, "perturbed", $"{InfluenceOutputs.SafeName(attack)}-eps{epsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}-test{test}.png");

    // The run folder doubles as a report folder section ('fragility report SWEEP --section RUN'): section.json, the
    // figure, summary.csv and the galleries as top-level PNGs.
    private static void WriteFolderSection(string outDir, InfluenceReportSection section)
    {
        var captions = new JsonObject
        {
            [InfluenceAttackFigure.FileName] = "Spearman correlation of the influence vectors and top-5 helpful points kept, against epsilon (0-255 units); mean over test points, error bars one sample standard deviation; random baseline dashed.",
            [InfluenceSummary.FileName] = "Summary per attack and epsilon.",
        };
        foreach (var (name, caption, png) in section.Galleries())
        {
            File.WriteAllBytes(Path.Combine(outDir, name), png);
            captions[name] = caption;
        }
        var description = new JsonObject
        {
            ["title"] = section.Title,
            ["description"] = "Influence-function explanations (Koh and Liang 2017) attacked as in Ghorbani, Abid and Zou (2019), section 5: helpful training points have I < 0; " +
                              "the attacks make the current top-3 helpful points less helpful ('raw' on the influence values, 'normalized' on the unit-length influence vector); " +
                              "the random baseline adds epsilon * sign(noise). Full details in report.html of this folder.",
            ["captions"] = captions,
        };
        File.WriteAllText(Path.Combine(outDir, Reporting.FolderSection.DescriptionFile), description.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void CheckOrWriteRun(string outDir, JsonObject run) =>
        IO.RunManifest.Prepare(Path.Combine(outDir, RunFileName), run, FingerprintKeys, "an influence attack run", "choose another --out, or delete the folder to start over");
}
