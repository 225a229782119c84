namespace Fragility.Runtime;

/// <summary>Progress of a long task, reported through <see cref="IProgress{T}"/> so the library does not depend
/// on any console: the CLI renders it as a progress bar with rate and time left.</summary>
/// <remarks>A reporter that knows its steps differ in cost reports when a step starts: <paramref name="Status"/>
/// then names the running step, <paramref name="Kind"/> its kind, and <paramref name="RemainingByKind"/> how many
/// units of each kind are still to do (the running step's included), so <see cref="ProgressEstimator"/> can weight
/// the time left by the measured cost of each kind.</remarks>
/// <param name="Task">What is being done ("training epoch 3/5", "sweep").</param>
/// <param name="Done">Units finished.</param>
/// <param name="Total">Units in all.</param>
/// <param name="Status">Short live status: the running step, loss, accuracy..., or null.</param>
/// <param name="Resumed">How many of <paramref name="Done"/> were read back from an earlier, interrupted run rather
/// than computed now (they count toward progress but not toward the rate).</param>
/// <param name="Kind">The kind of the step now running (steps of one kind cost about the same), or null; a kind of two
/// factors is written "row/column" (a sweep's "method/attack").</param>
/// <param name="RemainingByKind">Units not yet finished, by kind, or null when all units cost about the same.</param>
public sealed record ProgressUpdate(string Task, long Done, long Total, string? Status = null, long Resumed = 0,
    string? Kind = null, IReadOnlyDictionary<string, long>? RemainingByKind = null);
