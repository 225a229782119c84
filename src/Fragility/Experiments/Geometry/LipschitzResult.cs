using Fragility.Attacks;

namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="LipschitzExperiment.Measure"/> found: per model its constants and fragility, the bound's
/// factors, and the correlations across models. The numbers only; <see cref="LipschitzWriter"/> writes them.</summary>
/// <param name="Images">Test images per model.</param>
/// <param name="Settings">The top-k attack's settings.</param>
/// <param name="AscentIterations">Iterations of the gradient-norm ascent.</param>
/// <param name="Rows">One row per model, in the order given.</param>
/// <param name="Layers">The factors of every model's bound, model by model in forward order.</param>
/// <param name="Correlations">Per constant (bound, empirical, map_local), its correlations with fragility.</param>
public sealed record LipschitzResult(int Images, AttackSettings Settings, int AscentIterations, IReadOnlyList<LipschitzModelRow> Rows,
    IReadOnlyList<ModelLayerLipschitz> Layers, IReadOnlyList<LipschitzCorrelation> Correlations)
{
    /// <summary>Per model, fragility = 1 - mean top-k intersection after the top-k attack.</summary>
    public double[] Fragility => Rows.Select(r => 1 - r.TopKIntersection).ToArray();
}
