namespace Fragility.Experiments;

/// <summary>Where a sweep came from, recorded in run.json (not part of the fingerprint: the model's weights are).</summary>
/// <param name="Command">The command line that started the sweep.</param>
/// <param name="ModelPath">Path of the model file ("" for a model built in memory).</param>
public sealed record SweepProvenance(string Command, string ModelPath);
