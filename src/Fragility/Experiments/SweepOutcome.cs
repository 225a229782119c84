namespace Fragility.Experiments;

/// <summary>What a sweep run did.</summary>
/// <param name="Directory">The sweep folder.</param>
/// <param name="TotalCells">Cells of the grid: images x methods x attacks x epsilons.</param>
/// <param name="CellsRun">Cells computed by this run.</param>
/// <param name="CellsResumed">Cells found finished in results.jsonl and skipped.</param>
/// <param name="DroppedIncompleteLine">True when an incomplete last line of results.jsonl (an interrupted write)
/// was removed.</param>
public sealed record SweepOutcome(string Directory, int TotalCells, int CellsRun, int CellsResumed, bool DroppedIncompleteLine);
