using Fragility.Runtime;

namespace Fragility.Defences;

/// <summary>
/// The "defend" progress of a run, counted in attacks: every row is <see cref="DefencePlan.AttacksPerRow"/> attacks,
/// whether it is computed, resumed or skipped. Rows differ in cost by two orders of magnitude (SmoothGrad's samples,
/// IG's path points), so what is left is also counted per kind "method/defence" and the time left is weighted by the
/// measured cost of each kind.
/// </summary>
internal sealed class DefenceProgress
{
    private readonly IProgress<ProgressUpdate>? _progress;
    private readonly int _attacksPerRow;
    private readonly long _total;
    private readonly Dictionary<string, long> _remaining;
    private long _done, _resumed;

    /// <summary>Progress over every row of <paramref name="plan"/>, reported to <paramref name="progress"/>.</summary>
    public DefenceProgress(DefencePlan plan, IProgress<ProgressUpdate>? progress)
    {
        _progress = progress;
        _attacksPerRow = plan.AttacksPerRow;
        _total = (long)plan.Rows.Count * _attacksPerRow;
        _remaining = plan.Rows.GroupBy(p => Kind(p.Method, p.Defence)).ToDictionary(g => g.Key, g => (long)g.Count() * _attacksPerRow);
    }

    /// <summary>The cost kind of a row.</summary>
    public static string Kind(string method, ExplanationDefence defence) => $"{method}/{defence.Name}";

    /// <summary>A row that does not apply: done, but not computed, so not part of the rate. Not reported.</summary>
    public void Skipped(string kind)
    {
        _remaining[kind] -= _attacksPerRow;
        _done += _attacksPerRow;
        _resumed += _attacksPerRow;
    }

    /// <summary>A row read back from an earlier run.</summary>
    public void Resumed(string key, string kind)
    {
        _done += _attacksPerRow;
        _resumed += _attacksPerRow;
        _remaining[kind] -= _attacksPerRow;
        _progress?.Report(Update($"{key}: resumed", null));
    }

    /// <summary>Computes a row with <paramref name="evaluate"/>, which calls the action it is given after each
    /// attack; afterwards the row counts as all its attacks, however many reported.</summary>
    public T Computed<T>(string key, string kind, Func<Action, T> evaluate)
    {
        long before = _done, left = _remaining[kind];
        _progress?.Report(Update(key, kind));
        var result = evaluate(() => { _done++; _remaining[kind]--; _progress?.Report(Update(key, kind)); });
        _done = before + _attacksPerRow;
        _remaining[kind] = left - _attacksPerRow;
        return result;
    }

    private ProgressUpdate Update(string status, string? kind) =>
        new("defend", _done, _total, status, Resumed: _resumed, Kind: kind, RemainingByKind: new Dictionary<string, long>(_remaining));
}
