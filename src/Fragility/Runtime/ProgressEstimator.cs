namespace Fragility.Runtime;

/// <summary>
/// Rate and time left of one task from its <see cref="ProgressUpdate"/>s. The rate counts only units computed in
/// this run (resumed units took no time here). The time left weights the units still to do by the measured cost of
/// their kind (a sweep's cells differ about 100-fold between attacks), and counts down with the clock while a step
/// runs, so it moves smoothly within a step instead of waiting for the step's end.
/// </summary>
/// <param name="clock">The time since some fixed start (a stopwatch in use, a fake clock in tests).</param>
public sealed class ProgressEstimator(Func<TimeSpan> clock)
{
    private readonly Dictionary<string, (double Seconds, long Units, long LastStep)> _cost = [];
    private TimeSpan? _start;
    private TimeSpan _stepStart;
    private long _computed;
    private long _lastStep = 1;
    private string _kind = "";
    // A console renderer reads the estimate on its refresh thread while the work reports on its own.
    private readonly Lock _gate = new();

    /// <summary>The last update observed, or null before the first.</summary>
    public ProgressUpdate? Last { get; private set; }

    /// <summary>Time since the first update.</summary>
    public TimeSpan Elapsed => _start is null ? TimeSpan.Zero : clock() - _start.Value;

    /// <summary>Units computed in this run per second, or null before the first of them finishes.</summary>
    public double? Rate
    {
        get
        {
            lock (_gate)
            {
                double seconds = Elapsed.TotalSeconds;
                return _computed > 0 && seconds > 0 ? _computed / seconds : null;
            }
        }
    }

    /// <summary>Estimated time to finish, or null while nothing has been measured in this run.</summary>
    public TimeSpan? Left
    {
        get
        {
            lock (_gate) return Estimate();
        }
    }

    private TimeSpan? Estimate()
    {
        if (Last is null) return null;
        if (Last.Done >= Last.Total) return TimeSpan.Zero;
        var measured = _cost.Where(c => c.Value.Units > 0).ToDictionary(c => c.Key, c => c.Value.Seconds / c.Value.Units);
        if (measured.Count == 0) return null;
        double fallback = measured.Values.Average();
        double Mean(string kind) => measured.TryGetValue(kind, out double m) ? m : Unmeasured(kind, measured, fallback);
        double total = Last.RemainingByKind is { Count: > 0 } remaining
            ? remaining.Sum(r => Math.Max(0, r.Value) * Mean(r.Key))
            : (Last.Total - Last.Done) * (_computed > 0 ? _cost.Values.Sum(c => c.Seconds) / _cost.Values.Sum(c => c.Units) : fallback);
        // The running step has been going for a while: count that off, but no more than the step is expected to
        // cost (as many units as this kind's last step), so an overrunning step does not read "00:00:00 left".
        double running = (clock() - _stepStart).TotalSeconds;
        long stepUnits = _cost.TryGetValue(_kind, out var k) && k.LastStep > 0 ? k.LastStep : _lastStep;
        double expected = Mean(_kind) * stepUnits;
        double left = total - Math.Min(running, 0.9 * expected);
        return TimeSpan.FromSeconds(Math.Max(0, left));
    }

    /// <summary>The cost of a unit of a kind not measured yet. A two-factor kind "row/column" (a sweep's method and
    /// attack) is taken as its row's cost times its column's relative cost, from the kinds measured in other rows and
    /// columns (geometric mean over them): IG's mass-centre attack costs what IG's random-sign cells cost times what
    /// the mass-centre attack costs relative to random sign for the simple gradient. Failing that, the mean over its
    /// row or column, and failing that, over all kinds measured.</summary>
    private static double Unmeasured(string kind, Dictionary<string, double> measured, double fallback)
    {
        int slash = kind.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return fallback;
        string row = kind[..slash], column = kind[(slash + 1)..];
        var cells = measured.Select(m => (Parts: m.Key.Split('/', 2), Cost: m.Value)).Where(m => m.Parts.Length == 2 && m.Cost > 0)
            .ToDictionary(m => (m.Parts[0], m.Parts[1]), m => m.Cost);
        var logs = new List<double>();
        foreach (var ((r, c), cost) in cells)
            if (r != row && c != column && cells.TryGetValue((row, c), out double sameRow) && cells.TryGetValue((r, column), out double sameColumn))
                logs.Add(Math.Log(sameRow) + Math.Log(sameColumn) - Math.Log(cost));
        if (logs.Count > 0) return Math.Exp(logs.Average());
        var near = cells.Where(m => m.Key.Item1 == row).Select(m => m.Value).ToList();
        if (near.Count == 0) near = cells.Where(m => m.Key.Item2 == column).Select(m => m.Value).ToList();
        return near.Count > 0 ? near.Average() : fallback;
    }

    /// <summary>Takes in an update: the units finished since the previous one are charged to the step that was
    /// running (the previous update's kind) with the time since that step started.</summary>
    public void Observe(ProgressUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate) Take(update);
    }

    private void Take(ProgressUpdate update)
    {
        var now = clock();
        if (_start is null || Last is null)
        {
            _start = now;
            _stepStart = now;
        }
        else
        {
            long computed = (update.Done - update.Resumed) - (Last.Done - Last.Resumed);
            if (update.Done > Last.Done) // a step finished (resumed units are skipped without being measured)
            {
                if (computed > 0)
                {
                    var c = _cost.GetValueOrDefault(_kind);
                    _cost[_kind] = (c.Seconds + (now - _stepStart).TotalSeconds, c.Units + computed, computed);
                    _computed += computed;
                _lastStep = computed;
                }
                _stepStart = now;
            }
        }
        _kind = update.Kind ?? "";
        Last = update;
    }
}
