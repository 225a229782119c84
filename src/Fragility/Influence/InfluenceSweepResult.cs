namespace Fragility.Influence;

/// <summary>What <see cref="InfluenceAttackSweep.Run"/> did and wrote.</summary>
/// <param name="Summary">The summary rows of the grid.</param>
/// <param name="Computed">Records computed in this run.</param>
/// <param name="Resumed">Records of the grid found in results.jsonl from an earlier run.</param>
/// <param name="DroppedBytes">Bytes of a truncated last line dropped from results.jsonl.</param>
/// <param name="OutputDirectory">The run folder (results.jsonl, summary.csv, influence-attack.png, report.html, run.json, perturbed/).</param>
public sealed record InfluenceSweepResult(IReadOnlyList<InfluenceSummaryRow> Summary, int Computed, int Resumed, int DroppedBytes, string OutputDirectory);
