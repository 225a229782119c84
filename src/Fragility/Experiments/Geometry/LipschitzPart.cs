namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="LipschitzExperiment.MeasureModels"/> measured on consecutive models starting at
/// <paramref name="First"/>: their rows and their layers' factors of the bound.</summary>
/// <param name="First">Position of the first model in the study's list.</param>
/// <param name="Rows">One row per model, in order.</param>
/// <param name="Layers">The layers of those models, in order.</param>
public sealed record LipschitzPart(int First, IReadOnlyList<LipschitzModelRow> Rows, IReadOnlyList<ModelLayerLipschitz> Layers);
