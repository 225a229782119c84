namespace Fragility.Runtime;

/// <summary>Progress of a long task, reported through <see cref="IProgress{T}"/> so the library does not depend
/// on any console: the CLI renders it as a progress bar with rate and time left.</summary>
/// <param name="Task">What is being done ("training epoch 3/5", "sweep").</param>
/// <param name="Done">Units finished.</param>
/// <param name="Total">Units in all.</param>
/// <param name="Status">Short live status (loss, accuracy...), or null.</param>
/// <param name="Resumed">How many of <paramref name="Done"/> were read back from an earlier, interrupted run rather
/// than computed now (they count toward progress but not toward the rate).</param>
public sealed record ProgressUpdate(string Task, long Done, long Total, string? Status = null, long Resumed = 0);
