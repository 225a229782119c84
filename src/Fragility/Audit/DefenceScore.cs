namespace Fragility.Audit;

/// <summary>An explanation-side defence of the gradient map, measured under its adaptive attack (the attack
/// differentiates the defended map itself).</summary>
public sealed record DefenceScore
{
    /// <summary>Defence name: smoothgrad, or beta:B.</summary>
    public string Defence { get; init; } = "";

    /// <summary>Its method in the audit's grid (smoothgrad, gradient_betaB).</summary>
    public string Method { get; init; } = "";

    /// <summary>T of the defended map (see <see cref="MethodScore.Robustness"/>).</summary>
    public ScoreInterval Robustness { get; init; } = new(double.NaN, double.NaN, double.NaN, 0);

    /// <summary>Paired per-image gain in T over the undefended gradient map.</summary>
    public ScoreInterval Gain { get; init; } = new(double.NaN, double.NaN, double.NaN, 0);

    /// <summary>Milliseconds per defended map.</summary>
    public double MillisecondsPerMap { get; init; } = double.NaN;

    /// <summary>How many times the undefended map's cost one defended map costs.</summary>
    public double CostRatio { get; init; } = double.NaN;

    /// <summary>True when its sanity check passes too.</summary>
    public bool PassesSanity { get; init; }

    /// <summary>True when the gain is at least the threshold and its interval is above zero.</summary>
    public bool WorthIt { get; init; }
}
