namespace Fragility.Defences;

/// <summary>A finished row of the defence table with every image's values: what <see cref="DefenceRowEvaluator"/>
/// returns and what DIR/rows/KEY.json holds (as {"row": ..., "images": [...]}).</summary>
/// <param name="Row">The row's means.</param>
/// <param name="Images">Every attacked image's values behind them (per_image.csv).</param>
internal sealed record DefenceRowResult(DefenceRow Row, IReadOnlyList<ImageResult> Images);
