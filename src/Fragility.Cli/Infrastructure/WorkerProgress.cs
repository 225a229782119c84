using System.Text.Json;
using System.Text.Json.Serialization;
using Fragility.Runtime;

namespace Fragility.Cli.Infrastructure;

/// <summary>
/// Progress of the worker processes of <c>--jobs N</c>. A worker (started with <see cref="Variable"/> = 1) writes each
/// <see cref="ProgressUpdate"/> as one line on standard error, <see cref="Prefix"/> and the update as JSON; the parent
/// reads the lines and folds the workers' last updates into one update (cells done and in all, resumed, summed over
/// the workers), which <see cref="ConsoleProgress"/> renders as one bar.
/// </summary>
/// <remarks>The folded update carries no cost kind: the workers run different kinds at the same time, so a step's
/// wall-clock time cannot be charged to one kind. Rate and time left are therefore the workers' joint throughput
/// over all cells (see <see cref="ProgressEstimator"/>).</remarks>
public sealed class WorkerProgress
{
    /// <summary>Set to "1" in a worker's environment: progress goes to standard error as <see cref="Prefix"/> lines.</summary>
    public const string Variable = "FRAGILITY_WORKER";

    /// <summary>The command line the user typed, passed to the workers so their run files record it rather than the
    /// worker's own arguments (which add --shard, --jobs and --threads).</summary>
    public const string CommandVariable = "FRAGILITY_WORKER_COMMAND";

    /// <summary>What starts a progress line of a worker.</summary>
    public const string Prefix = "fragility-progress ";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly ProgressUpdate?[] _last;
    private readonly long _total;

    /// <summary>Folds the updates of <paramref name="workers"/> workers.</summary>
    /// <param name="workers">How many workers report.</param>
    /// <param name="total">Units of all workers together when the parent knows them (0 when not): the folded total is
    /// never below it, so a worker heard from late does not make the others look finished.</param>
    public WorkerProgress(int workers, long total = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        _last = new ProgressUpdate?[workers];
        _total = total;
    }

    /// <summary>True in a worker process of <c>--jobs</c>.</summary>
    public static bool InWorker => Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>The line a worker writes for <paramref name="update"/>.</summary>
    public static string Format(ProgressUpdate update) => Prefix + JsonSerializer.Serialize(update, Json);

    /// <summary>The update of a worker's progress line, or null for any other line (an error message, a cut line).</summary>
    public static ProgressUpdate? Parse(string? line)
    {
        if (line is null || !line.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        try { return JsonSerializer.Deserialize<ProgressUpdate>(line.AsSpan(Prefix.Length), Json); }
        catch (JsonException) { return null; }
    }

    /// <summary>Takes worker <paramref name="worker"/>'s (0-based) latest update and returns the folded update of
    /// all workers heard from so far, its status naming the reporting worker and its running step.</summary>
    public ProgressUpdate Observe(int worker, ProgressUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(worker, _last.Length);
        _last[worker] = update;
        var heard = _last.OfType<ProgressUpdate>().ToList();
        long done = heard.Sum(u => u.Done), total = Math.Max(_total, heard.Sum(u => u.Total)), resumed = heard.Sum(u => u.Resumed);
        bool finished = heard.Count == _last.Length && heard.All(u => u.Done >= u.Total);
        string? status = update.Status is null ? (finished ? $"{_last.Length} workers done" : null)
            : $"worker {worker + 1}/{_last.Length}: {update.Status}";   // the step first: a narrow label keeps it
        return new ProgressUpdate(update.Task, done, total, status, resumed);
    }
}
