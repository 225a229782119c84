namespace Fragility.Audit;

/// <summary>What the score card advises, in plain words with the numbers behind them.</summary>
/// <param name="Method">The most robust method that passes the sanity check; null when none passes.</param>
/// <param name="Defence">The defence worth its cost; null when none is.</param>
/// <param name="Text">The advice in sentences.</param>
public sealed record Recommendation(string? Method, string? Defence, IReadOnlyList<string> Text);
