namespace Fragility.Audit;

/// <summary>How far an explanation map can be moved by an imperceptible, label-preserving perturbation, judged by
/// <see cref="VerdictThresholds"/>. Ordered from best to worst, so a gate can compare them.</summary>
public enum Verdict
{
    /// <summary>The attacked map keeps most of its top-k pixels at the largest epsilon audited.</summary>
    Robust,

    /// <summary>The attacked map loses a good part of its top-k pixels.</summary>
    Fragile,

    /// <summary>The attacked map keeps few of its top-k pixels: what it highlights can be chosen by an attacker.</summary>
    VeryFragile,
}
