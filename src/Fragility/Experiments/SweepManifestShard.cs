namespace Fragility.Experiments;

/// <summary>The "shard" part of a shard's run file: which shard, and which images it owns.</summary>
/// <param name="Index">1-based shard number.</param>
/// <param name="Count">Number of shards.</param>
/// <param name="FirstPosition">Position of its first image in the sweep's image order.</param>
/// <param name="Images">How many images it owns.</param>
public sealed record SweepManifestShard(int Index, int Count, int FirstPosition, int Images);
