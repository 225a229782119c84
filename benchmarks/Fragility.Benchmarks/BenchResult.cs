namespace Fragility.Benchmarks;

/// <summary>One measured case.</summary>
public sealed record BenchResult(string Suite, string Name, double MedianMs, double MinMs, double MaxMs, int Repetitions, double Rate, string Unit, string? Note);
