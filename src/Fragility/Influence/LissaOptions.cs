namespace Fragility.Influence;

/// <summary>
/// Settings of <see cref="LissaInverseHessian"/>. The recursion h_0 = v, h_j = v + (1 - damping) h_(j-1) - H~ h_(j-1) / scale
/// (H~ the Hessian of a mini-batch, or of all points) gives h_J / scale -> (H + damping * scale * I)^-1 v when
/// scale exceeds H's largest eigenvalue; the error shrinks like (1 - lambda_min / scale)^J.
/// </summary>
public sealed record LissaOptions
{
    /// <summary>Recursion depth J (default 5000).</summary>
    public int Depth { get; init; } = 5000;

    /// <summary>Scale; must exceed H's largest eigenvalue. Null (default): 1.05 x the largest eigenvalue estimated by 200 power iterations.</summary>
    public double? Scale { get; init; }

    /// <summary>Damping (default 0: no bias).</summary>
    public double Damping { get; init; }

    /// <summary>Independent recursions averaged (default 1).</summary>
    public int Repeats { get; init; } = 1;

    /// <summary>Training points per Hessian-vector product (sampled with replacement). Null (default): all points, which makes LiSSA a deterministic Neumann series.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Seed of the mini-batch sampling.</summary>
    public int Seed { get; init; }

    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        if (Depth < 1) throw new FragilityException($"LiSSA depth must be at least 1, got {Depth}.");
        if (Repeats < 1) throw new FragilityException($"LiSSA repeats must be at least 1, got {Repeats}.");
        if (Scale is double s && !(s > 0)) throw new FragilityException($"LiSSA scale must be positive, got {s}.");
        if (!(Damping >= 0 && Damping < 1)) throw new FragilityException($"LiSSA damping must be in [0, 1), got {Damping}.");
        if (BatchSize is < 1) throw new FragilityException($"LiSSA batch size must be at least 1, got {BatchSize}.");
    }
}
