using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fragility.Cli.Infrastructure;
using Fragility.Tests.Cli;

namespace Fragility.Tests.ScaleOut;

/// <summary>
/// <c>--jobs N</c>: the CLI runs in this test process, as a user's would, and starts its workers as real processes.
/// Two workers give the single process's result lines (bit for bit, except the wall-clock "seconds"), the command
/// the user typed is what the run files record, and a worker's failure ends the run in one line with its exit code.
/// </summary>
[Collection("console")]
public sealed partial class JobsTests : IDisposable
{
    // 4 images in batches of 2: two batches, one per worker.
    private static readonly string[] Sweep =
    [
        "sweep", "--dataset", "sample", "--images", "4", "--batch-size", "2", "--methods", "gradient", "--attacks", "random,topk",
        "--epsilons", "2,8", "--iterations", "2", "--threads", "1", "--array-images", "0",
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("fragility-jobs-").FullName;

    [Fact]
    public void TwoWorkers_WriteTheSingleProcessLines()
    {
        string one = Path.Combine(_root, "one"), two = Path.Combine(_root, "two");
        var single = CliHarness.Run([.. Sweep, "--jobs", "1", "--out", one]);
        Assert.True(single.Code == 0, single.Out + single.Err);
        Assert.DoesNotContain("worker", single.Out);
        var jobs = CliHarness.Run([.. Sweep, "--jobs", "2", "--out", two]);
        Assert.True(jobs.Code == 0, jobs.Out + jobs.Err);
        Assert.Contains("2 workers done; merged their 16 cells", jobs.Out);
        // Both workers ran: each wrote its shard of one batch (2 images x 2 attacks x 2 epsilons).
        for (int i = 1; i <= 2; i++) Assert.Equal(8, File.ReadAllLines(Path.Combine(two, $"results.shard-{i}-of-2.jsonl")).Length);

        var expected = File.ReadAllLines(Path.Combine(one, "results.jsonl")).Select(WithoutSeconds).ToList();
        var actual = File.ReadAllLines(Path.Combine(two, "results.jsonl")).Select(WithoutSeconds).ToList();
        Assert.Equal(16, expected.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        Assert.Equal(expected, actual);   // and in the single run's order
        // The merged run records the command the user typed, not a worker's --shard.
        string command = JsonNode.Parse(File.ReadAllText(Path.Combine(two, "run.json")))!["command"]!.GetValue<string>();
        Assert.Contains("--jobs 2", command);
        Assert.DoesNotContain("--shard", command);
        Assert.True(File.Exists(Path.Combine(two, "report.html")));

        // The same command again resumes the workers' shards: nothing is computed twice.
        var again = CliHarness.Run([.. Sweep, "--jobs", "2", "--out", two]);
        Assert.True(again.Code == 0, again.Out + again.Err);
        Assert.Equal(actual, File.ReadAllLines(Path.Combine(two, "results.jsonl")).Select(WithoutSeconds));
    }

    [Fact]
    public void Defend_TwoWorkers_OwnOnePairEach_AndWriteTheSingleProcessTable()
    {
        // One model x two methods: two pairs, one per worker; the shipped model on four sample images.
        string[] defend = ["defend", "--dataset", "sample", "--images", "4", "--methods", "gradient,grad_x_input", "--defences", "none,beta:2",
            "--epsilons", "8", "--iterations", "2", "--batch-size", "4", "--faithfulness-steps", "4", "--threads", "1"];
        string one = Path.Combine(_root, "defend-one"), two = Path.Combine(_root, "defend-two");
        var single = CliHarness.Run([.. defend, "--jobs", "1", "--out", one]);
        Assert.True(single.Code == 0, single.Out + single.Err);
        var jobs = CliHarness.Run([.. defend, "--jobs", "2", "--out", two]);
        Assert.True(jobs.Code == 0, jobs.Out + jobs.Err);
        Assert.Contains("Running 2 worker processes, each a shard of the 2 model x method pairs", jobs.Out);
        Assert.Contains("4 rows (0 run, 4 resumed)", jobs.Out);
        // The table's values are the single run's; only the measured times differ.
        static IEnumerable<string> Values(string dir)
        {
            var lines = File.ReadAllLines(Path.Combine(dir, "defences.csv"));
            var header = lines[0].Split(',');
            var kept = Enumerable.Range(0, header.Length).Where(i => !header[i].Contains("ms", StringComparison.Ordinal) && !header[i].Contains("seconds", StringComparison.Ordinal)).ToList();
            return lines.Select(l => string.Join(",", kept.Select(i => l.Split(',')[i])));
        }
        Assert.Equal(Values(one), Values(two));
    }

    [Fact]
    public void Cancelled_KillsTheWorkers_AndTheSameCommandResumesTheirShards()
    {
        string dir = Path.Combine(_root, "cancelled");
        string[] worker = [.. Sweep.Where((a, i) => a != "--threads" && (i == 0 || Sweep[i - 1] != "--threads")), "--out", dir];
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(u => { if (u.Done > 0) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => WorkerPool.Run(worker, 2, "fragility sweep (test)", 16, progress, cancel.Token));
        Assert.False(File.Exists(Path.Combine(dir, "results.jsonl")));

        var run = CliHarness.Run([.. Sweep, "--jobs", "2", "--out", dir]);
        Assert.True(run.Code == 0, run.Out + run.Err);
        var lines = File.ReadAllLines(Path.Combine(dir, "results.jsonl")).Select(WithoutSeconds).ToList();
        Assert.Equal(16, lines.Distinct().Count());
        Assert.Equal(16, lines.Count);
    }

    [Fact]
    public void AuditWithTwoWorkers_AttacksAsOneProcessDoes_AndWritesTheCard()
    {
        string[] audit = ["audit", "--images", "4", "--iterations", "2", "--methods", "gradient", "--epsilons", "8", "--batch-size", "2", "--defence-beta", "0"];
        string one = Path.Combine(_root, "audit1"), two = Path.Combine(_root, "audit2");
        var single = CliHarness.Run([.. audit, "--jobs", "1", "--out", one]);
        Assert.True(single.Code == 0, single.Out + single.Err);
        var jobs = CliHarness.Run([.. audit, "--jobs", "2", "--out", two]);
        Assert.True(jobs.Code == 0, jobs.Out + jobs.Err);
        Assert.Contains("2 workers done", jobs.Out);
        Assert.Contains("Verdict:", jobs.Out);
        var expected = File.ReadAllLines(Path.Combine(one, "results.jsonl")).Select(WithoutSeconds);
        var actual = File.ReadAllLines(Path.Combine(two, "results.jsonl")).Select(WithoutSeconds);
        Assert.Equal(expected, actual);
        var a = Fragility.Audit.ScoreCardFiles.Read(one);
        var b = Fragility.Audit.ScoreCardFiles.Read(two);
        Assert.Equal(a.Methods.Select(m => m.Robustness.Mean), b.Methods.Select(m => m.Robustness.Mean));
        Assert.Equal(a.Verdict, b.Verdict);
    }

    [Fact]
    public void FailedWorker_EndsTheRunInOneLineWithItsExitCode()
    {
        string dir = Path.Combine(_root, "failing");
        Directory.CreateDirectory(dir);
        // Worker 2 finds a run file it cannot read and refuses, as a user error (exit 2).
        File.WriteAllText(Path.Combine(dir, "run.shard-2-of-2.json"), "{ cut");
        var run = CliHarness.Run([.. Sweep, "--jobs", "2", "--out", dir]);
        Assert.Equal(2, run.Code);
        var lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, run.Err);
        Assert.StartsWith("error: worker 2 of 2 (--shard 2/2) failed with exit code 2: ", lines[0]);
        Assert.Contains("is not valid JSON", lines[0]);
        Assert.False(File.Exists(Path.Combine(dir, "results.jsonl")));
    }

    [Fact]
    public void JobsWithShard_IsRefusedInOneLine()
    {
        var run = CliHarness.Run([.. Sweep, "--jobs", "2", "--shard", "1/2", "--out", Path.Combine(_root, "x")]);
        Assert.Equal(2, run.Code);
        Assert.Equal("error: --jobs 2 runs shards of its own, but this run is shard 1/2 (--shard): give --jobs 1, or leave --shard out.", run.Err.Trim());
        var zero = CliHarness.Run([.. Sweep, "--jobs", "0", "--out", Path.Combine(_root, "x")]);
        Assert.Equal(2, zero.Code);
        Assert.StartsWith("error: --jobs must be at least 1, got 0", zero.Err.Trim());
    }

    private sealed class SyncProgress(Action<Fragility.Runtime.ProgressUpdate> report) : IProgress<Fragility.Runtime.ProgressUpdate>
    {
        public void Report(Fragility.Runtime.ProgressUpdate value) => report(value);
    }

    private static string WithoutSeconds(string line) => SecondsField().Replace(line, "");

    [GeneratedRegex(@",?""seconds"":[^,}]*")]
    private static partial Regex SecondsField();

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(_root, recursive: true);
}
