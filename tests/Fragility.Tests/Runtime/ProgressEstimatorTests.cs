using Fragility.Runtime;

namespace Fragility.Tests.Runtime;

/// <summary>Rate and time left on a fake clock: resumed units, steps of unequal cost, the running step.</summary>
public sealed class ProgressEstimatorTests
{
    private TimeSpan _now;

    private ProgressEstimator NewEstimator() => new(() => _now);

    private void Wait(double seconds) => _now += TimeSpan.FromSeconds(seconds);

    [Fact]
    public void AfterAResume_TheRateCountsOnlyUnitsComputedInThisRun()
    {
        var e = NewEstimator();
        e.Observe(new ProgressUpdate("sweep", 90, 100, Resumed: 90));
        for (int done = 91; done <= 95; done++)
        {
            Wait(2);
            e.Observe(new ProgressUpdate("sweep", done, 100, Resumed: 90));
        }
        // 5 units in 10 s; counting the 90 resumed ones would read 9.5/s and 00:00:00 left.
        Assert.Equal(0.5, e.Rate!.Value, 12);
        Assert.Equal(10, e.Left!.Value.TotalSeconds, 9);
    }

    [Fact]
    public void ResumedUnitsReportedOneAtATime_AreNotMeasuredAsComputed()
    {
        var e = NewEstimator();
        e.Observe(new ProgressUpdate("defend", 0, 100));
        for (int i = 1; i <= 90; i++) e.Observe(new ProgressUpdate("defend", i, 100, Resumed: i));
        Assert.Null(e.Rate);
        Assert.Null(e.Left);
        Wait(4);
        e.Observe(new ProgressUpdate("defend", 91, 100, Resumed: 90));
        Assert.Equal(0.25, e.Rate!.Value, 12);
        Assert.Equal(36, e.Left!.Value.TotalSeconds, 9);
    }

    [Fact]
    public void BeforeTheFirstUnit_ElapsedRunsButRateAndTimeLeftAreUnknown()
    {
        var e = NewEstimator();
        e.Observe(new ProgressUpdate("attack", 0, 10, "topk eps 8, images 1-10"));
        Wait(95);
        Assert.Equal(TimeSpan.FromSeconds(95), e.Elapsed);
        Assert.Null(e.Rate);
        Assert.Null(e.Left);
    }

    [Fact]
    public void TimeLeft_IsWeightedByTheMeasuredCostOfEachKind()
    {
        // Two kinds of 10 units each: "cheap" takes 1 s a unit, "dear" 100 s a unit, in steps of 5 units.
        var e = NewEstimator();
        var remaining = new Dictionary<string, long> { ["cheap"] = 10, ["dear"] = 10 };
        long done = 0;
        void Start(string kind) => e.Observe(new ProgressUpdate("sweep", done, 20, kind, Kind: kind, RemainingByKind: new Dictionary<string, long>(remaining)));
        Start("cheap");
        Wait(5); done += 5; remaining["cheap"] -= 5;
        Start("dear");
        Wait(500); done += 5; remaining["dear"] -= 5;
        Start("cheap");
        // Left: 5 cheap at 1 s + 5 dear at 100 s = 505 s. A count-only estimate would say 10 units at 50.5 s = 505 s too,
        // so check after the next cheap step, where they differ.
        Assert.Equal(505, e.Left!.Value.TotalSeconds, 9);
        Wait(5); done += 5; remaining["cheap"] -= 5;
        Start("dear");
        // Only 5 dear units (500 s) remain; the unweighted mean (510 s / 15 units) would say 170 s.
        Assert.Equal(500, e.Left!.Value.TotalSeconds, 9);
    }

    [Fact]
    public void AKindNotYetMeasured_CostsTheMeanOfTheKindsMeasured()
    {
        var e = NewEstimator();
        var remaining = new Dictionary<string, long> { ["a"] = 4, ["b"] = 4, ["c"] = 4 };
        e.Observe(new ProgressUpdate("sweep", 0, 12, Kind: "a", RemainingByKind: new Dictionary<string, long>(remaining)));
        Wait(8); remaining["a"] = 0;
        e.Observe(new ProgressUpdate("sweep", 4, 12, Kind: "b", RemainingByKind: new Dictionary<string, long>(remaining)));
        Wait(40); remaining["b"] = 0;
        e.Observe(new ProgressUpdate("sweep", 8, 12, Kind: "c", RemainingByKind: new Dictionary<string, long>(remaining)));
        // a: 2 s a unit, b: 10 s a unit; c unmeasured: (2 + 10) / 2 = 6 s a unit, 4 units.
        Assert.Equal(24, e.Left!.Value.TotalSeconds, 9);
    }

    [Fact]
    public void WithinAStep_TheTimeLeftCountsDownWithTheClock_AndNeverReadsZeroBeforeTheEnd()
    {
        var e = NewEstimator();
        e.Observe(new ProgressUpdate("attack", 0, 30));
        Wait(60);
        e.Observe(new ProgressUpdate("attack", 10, 30));
        Assert.Equal(120, e.Left!.Value.TotalSeconds, 9);
        var previous = e.Left!.Value;
        for (int i = 0; i < 50; i++)
        {
            Wait(1);
            var left = e.Left!.Value;
            // Smooth: one second less per second while the step runs on schedule.
            Assert.Equal(1, (previous - left).TotalSeconds, 9);
            previous = left;
        }
        // The step overruns its expected 60 s: the estimate holds at what is left after this step plus a margin.
        Wait(100);
        Assert.Equal(120 - 0.9 * 60, e.Left!.Value.TotalSeconds, 9);
        e.Observe(new ProgressUpdate("attack", 30, 30));
        Assert.Equal(TimeSpan.Zero, e.Left);
    }

    [Fact]
    public void AnUnmeasuredMethodAttackPair_IsGuessedFromItsRowAndColumn()
    {
        // Costs a unit: gradient/random 1 s, gradient/topk 30 s, ig/random 4 s measured; ig/topk then 4 x 30 = 120 s.
        var e = NewEstimator();
        var remaining = new Dictionary<string, long> { ["gradient/random"] = 2, ["gradient/topk"] = 2, ["ig/random"] = 2, ["ig/topk"] = 2 };
        long done = 0;
        foreach (var (kind, seconds) in new[] { ("gradient/random", 1.0), ("gradient/topk", 30.0), ("ig/random", 4.0) })
        {
            e.Observe(new ProgressUpdate("sweep", done, 8, Kind: kind, RemainingByKind: new Dictionary<string, long>(remaining)));
            Wait(2 * seconds); done += 2; remaining[kind] = 0;
        }
        e.Observe(new ProgressUpdate("sweep", done, 8, Kind: "ig/topk", RemainingByKind: new Dictionary<string, long>(remaining)));
        Assert.Equal(240, e.Left!.Value.TotalSeconds, 6);
    }
}
