using Fragility.Geometry;

namespace Fragility.Experiments.Geometry;

/// <summary>One factor of one model's Lipschitz bound in a <see cref="LipschitzResult"/>.</summary>
/// <param name="Model">Model file name.</param>
/// <param name="Layer">The layer and its constant.</param>
public sealed record ModelLayerLipschitz(string Model, LayerLipschitz Layer);
