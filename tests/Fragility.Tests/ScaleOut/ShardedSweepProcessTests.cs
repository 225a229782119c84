using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fragility.Experiments.Sharding;
using Fragility.Reporting;

namespace Fragility.Tests.ScaleOut;

/// <summary>
/// A small sweep split into 3 shards run as 3 separate processes (shard 1 by --shard, shard 2 from Slurm's array
/// variables, shard 3 from a Kubernetes Indexed Job's), one of them killed mid-line and resumed, then merged, gives
/// what a single run of the same settings writes: the same results.jsonl lines and the same summary.csv. The
/// wall-clock time of each cell ("seconds", and summary.csv's "seconds_mean") is the one field that differs
/// between any two runs, so it is left out of the comparison.
/// </summary>
public sealed partial class ShardedSweepProcessTests : IDisposable
{
    // 6 images in batches of 2: three batches, one per shard.
    private static readonly string[] Sweep =
    [
        "sweep", "--dataset", "sample", "--images", "6", "--batch-size", "2", "--methods", "gradient", "--attacks", "random,topk",
        "--epsilons", "2,8", "--iterations", "3", "--threads", "1",
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("fragility-shards-").FullName;

    [Fact]
    public void ThreeShardProcesses_Merged_EqualTheSingleRun()
    {
        string single = Path.Combine(_root, "single"), sharded = Path.Combine(_root, "sharded"), merged = Path.Combine(_root, "merged");
        var runs = new[]
        {
            CliProcess.Start(null, [.. Sweep, "--out", single]),
            CliProcess.Start(null, [.. Sweep, "--out", sharded, "--shard", "1/3"]),
            // --array=4-6: task 5 is the second of three.
            CliProcess.Start(new Dictionary<string, string>
            {
                ["SLURM_ARRAY_TASK_ID"] = "5", ["SLURM_ARRAY_TASK_MIN"] = "4", ["SLURM_ARRAY_TASK_MAX"] = "6", ["SLURM_ARRAY_TASK_STEP"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "3",
            }, [.. Sweep, "--out", sharded]),
            CliProcess.Start(new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "2", ["FRAGILITY_SHARD_COUNT"] = "3" }, [.. Sweep, "--out", sharded]),
        };
        var outputs = runs.Select(CliProcess.Finish).ToList();
        Assert.Contains("Shard 2/3 (from the scheduler's environment)", outputs[2]);
        Assert.Contains("Shard 3/3 (from the scheduler's environment)", outputs[3]);
        for (int i = 1; i <= 3; i++)
        {
            var lines = File.ReadAllLines(Path.Combine(sharded, $"results.shard-{i}-of-3.jsonl"));
            // One batch of 2 images x 1 method x 2 attacks x 2 epsilons.
            Assert.Equal(8, lines.Length);
        }

        // Kill shard 2 mid-write: keep 3 whole lines and half of the 4th, then run it again; it resumes.
        string shard2 = Path.Combine(sharded, "results.shard-2-of-3.jsonl");
        var kept = File.ReadAllLines(shard2);
        File.WriteAllText(shard2, string.Join("\n", kept.Take(3)) + "\n" + kept[3][..(kept[3].Length / 2)]);
        string resumed = CliProcess.Finish(CliProcess.Start(null, [.. Sweep, "--out", sharded, "--shard", "2/3"]));
        Assert.Contains("5 cells run, 3 resumed, 8 in all", resumed);

        string merge = CliProcess.Finish(CliProcess.Start(null, "merge", sharded, "--out", merged));
        Assert.Contains("merged 3 shards", merge);

        var expected = File.ReadAllLines(Path.Combine(single, "results.jsonl"));
        var actual = File.ReadAllLines(Path.Combine(merged, "results.jsonl"));
        Assert.Equal(24, expected.Length);
        Assert.Equal(expected.Select(WithoutSeconds).ToHashSet(), actual.Select(WithoutSeconds).ToHashSet());
        Assert.Equal(actual.Length, actual.Select(WithoutSeconds).Distinct().Count());
        // Same order too: the merge writes cells in a single run's order.
        Assert.Equal(expected.Select(WithoutSeconds), actual.Select(WithoutSeconds));
        Assert.Equal(SummaryWithoutSeconds(single), SummaryWithoutSeconds(merged));
        Assert.Equal(Fingerprint(single), Fingerprint(merged));
        Assert.Null(JsonNode.Parse(File.ReadAllText(Path.Combine(merged, "run.json")))![ShardFiles.ShardKey]);
        Assert.True(new FileInfo(Path.Combine(merged, "figure.png")).Length > 0);
        // Arrays of all shards were copied into the merged folder: the single run's set of files.
        Assert.Equal(Arrays(single), Arrays(merged));
        // The report takes the merged folder as it takes a single run's, with nothing to complain about.
        var singleWarnings = new HtmlReport().Write(single, Path.Combine(single, "report.html"));
        var mergedWarnings = new HtmlReport().Write(merged, Path.Combine(merged, "report.html"));
        Assert.Equal(singleWarnings, mergedWarnings);
        Assert.Empty(mergedWarnings);
    }

    private static string WithoutSeconds(string line) => SecondsField().Replace(line, "");

    private static List<string> SummaryWithoutSeconds(string folder)
    {
        var rows = File.ReadAllLines(Path.Combine(folder, "summary.csv")).Select(l => l.Split(',')).ToList();
        int column = Array.IndexOf(rows[0], "seconds_mean");
        Assert.True(column >= 0, "summary.csv has no seconds_mean column");
        return rows.Select(r => string.Join(",", r.Where((_, i) => i != column))).ToList();
    }

    private static string Fingerprint(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "run.json")))!["fingerprint"]!.GetValue<string>();

    private static string[] Arrays(string folder) =>
        Directory.GetFiles(Path.Combine(folder, "arrays")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [GeneratedRegex(@",?""seconds"":[^,}]*")]
    private static partial Regex SecondsField();

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(_root, recursive: true);
}
