using Fragility.Attacks;

namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="TransferExperiment.Measure"/> found: per model (the source first) how far the transferred
/// perturbations and random noise moved its maps. The numbers only; <see cref="TransferWriter"/> writes them.</summary>
/// <param name="SourceName">The source model's file name.</param>
/// <param name="Attack">"topk" or "mass_center".</param>
/// <param name="MethodName">The explanation method's name.</param>
/// <param name="Settings">The attack's settings.</param>
/// <param name="K">k of the top-k metric, in pixels.</param>
/// <param name="Images">Images compared.</param>
/// <param name="Rows">One row per model, the source first.</param>
/// <param name="Details">One row per model and image.</param>
public sealed record TransferResult(string SourceName, string Attack, string MethodName, AttackSettings Settings, int K, int Images,
    IReadOnlyList<TransferRow> Rows, IReadOnlyList<TransferImage> Details)
{
    /// <summary>The attack's name in texts ("top-k" or "mass-center").</summary>
    public string AttackDisplayName => AttackNames.Canonical(Attack) == AttackNames.MassCenter ? "mass-center" : "top-k";
}
