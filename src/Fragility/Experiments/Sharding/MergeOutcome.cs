namespace Fragility.Experiments.Sharding;

/// <summary>What <see cref="SweepMerge.Run"/> wrote.</summary>
/// <param name="Directory">The merged sweep folder.</param>
/// <param name="Shards">Number of shards merged.</param>
/// <param name="Cells">Result lines written to results.jsonl (every cell of the grid once).</param>
/// <param name="ArraysCopied">Array files copied into the merged folder's arrays/ (0 when merging in place).</param>
/// <param name="Fingerprint">The sweep's settings fingerprint, shared by every shard.</param>
public sealed record MergeOutcome(string Directory, int Shards, int Cells, int ArraysCopied, string Fingerprint);
