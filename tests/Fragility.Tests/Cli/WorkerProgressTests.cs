using Fragility.Cli.Infrastructure;
using Fragility.Runtime;

namespace Fragility.Tests.Cli;

/// <summary>The progress lines of --jobs workers: written and read back whole, other lines ignored, and the workers'
/// updates folded into one (sums of done, total and resumed).</summary>
public sealed class WorkerProgressTests
{
    [Fact]
    public void Line_RoundTrips_AndOtherLinesAreNotProgress()
    {
        var update = new ProgressUpdate("sweep", 3, 16, "ig topk eps 2, images 1-2 of 4", Resumed: 1, Kind: "ig/topk",
            RemainingByKind: new Dictionary<string, long> { ["ig/topk"] = 13 });
        string line = WorkerProgress.Format(update);
        Assert.StartsWith(WorkerProgress.Prefix, line);
        Assert.DoesNotContain('\n', line);
        var back = WorkerProgress.Parse(line)!;
        Assert.Equal((update.Task, update.Done, update.Total, update.Status, update.Resumed, update.Kind), (back.Task, back.Done, back.Total, back.Status, back.Resumed, back.Kind));
        Assert.Equal(13, back.RemainingByKind!["ig/topk"]);

        Assert.Null(WorkerProgress.Parse("error: 'x' is not valid JSON"));
        Assert.Null(WorkerProgress.Parse(line[..(line.Length / 2)]));   // cut by a kill
        Assert.Null(WorkerProgress.Parse(null));
    }

    [Fact]
    public void Updates_FoldIntoSums_OverTheWorkersHeardFrom()
    {
        var fold = new WorkerProgress(3);
        var a = fold.Observe(0, new ProgressUpdate("sweep", 0, 8));
        Assert.Equal((0L, 8L), (a.Done, a.Total));
        var b = fold.Observe(2, new ProgressUpdate("sweep", 4, 12, "gradient topk eps 8", Resumed: 4));
        Assert.Equal((4L, 20L, 4L), (b.Done, b.Total, b.Resumed));
        Assert.Equal("worker 3/3: gradient topk eps 8", b.Status);
        // A worker's later update replaces its earlier one; it is not added to it.
        var c = fold.Observe(0, new ProgressUpdate("sweep", 6, 8, "ig random eps 1"));
        Assert.Equal((10L, 20L, 4L), (c.Done, c.Total, c.Resumed));
        var d = fold.Observe(1, new ProgressUpdate("sweep", 5, 5));
        Assert.Equal((15L, 25L), (d.Done, d.Total));
        Assert.Null(d.Kind);   // workers run different kinds at once: none is charged
        fold.Observe(0, new ProgressUpdate("sweep", 8, 8));
        var done = fold.Observe(2, new ProgressUpdate("sweep", 12, 12));
        Assert.Equal((25L, 25L), (done.Done, done.Total));
        Assert.Equal("3 workers done", done.Status);
        Assert.Throws<ArgumentOutOfRangeException>(() => fold.Observe(3, new ProgressUpdate("sweep", 0, 1)));
    }

    [Fact]
    public void AWorkerNotHeardFrom_DoesNotLetTheOthersLookFinished()
    {
        var fold = new WorkerProgress(2, total: 16);
        var first = fold.Observe(0, new ProgressUpdate("sweep", 8, 8));
        Assert.Equal((8L, 16L), (first.Done, first.Total));
        Assert.Null(first.Status);
        Assert.Equal((16L, 16L), (fold.Observe(1, new ProgressUpdate("sweep", 8, 8)) is var u ? (u.Done, u.Total) : default));
    }
}
