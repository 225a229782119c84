namespace Fragility.Defences;

/// <summary>What a <see cref="DefenceEvaluation"/> run produced.</summary>
/// <param name="Directory">The output folder.</param>
/// <param name="Rows">The defence table, one row per model x method x defence.</param>
/// <param name="ImageIndices">Test-split indices of the attacked images.</param>
/// <param name="RowsRun">Rows computed in this run.</param>
/// <param name="RowsResumed">Rows read back from an earlier, interrupted run of the same settings.</param>
/// <param name="Notes">Combinations that were skipped and why.</param>
public sealed record DefenceOutcome(string Directory, IReadOnlyList<DefenceRow> Rows, IReadOnlyList<int> ImageIndices, int RowsRun, int RowsResumed, IReadOnlyList<string> Notes);
