using System.Globalization;

namespace Fragility.Audit;

/// <summary>
/// What a <see cref="RobustnessAudit"/> measures and how much time it may take. Everything the budget does not choose
/// has the paper's value; epsilons and the step are in pixel units of the 0-255 scale.
/// </summary>
public sealed record AuditSettings
{
    /// <summary>The methods audited when <see cref="Methods"/> is null: every family of the paper and its successors
    /// (docs/method.md §2), each kept only when the model supports it.</summary>
    public static IReadOnlyList<string> AllMethods { get; } = ["gradient", "grad_x_input", "ig", "smoothgrad", "deeplift", "lrp"];

    /// <summary>The method whose beta-smoothed map is audited as a defence (Dombrowski et al. 2019), and the one
    /// SmoothGrad averages.</summary>
    public const string DefendedMethod = "gradient";

    /// <summary>Methods by name; null (default) for <see cref="AllMethods"/>, those the model cannot explain left out with a note.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>Epsilons in pixel units of the 0-255 scale; default 1, 2, 4, 8 (the paper's).</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = [1, 2, 4, 8];

    /// <summary>Wall-clock budget of the whole audit, calibration included; default 5 minutes.</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Images audited; null (default): as many as the budget allows, up to <see cref="MaxImages"/>.</summary>
    public int? Images { get; init; }

    /// <summary>Attack iterations; null (default): the most the budget allows, from the paper's 300 down to <see cref="MinIterations"/>.</summary>
    public int? Iterations { get; init; }

    /// <summary>Most images the budget chooser takes; default 100.</summary>
    public int MaxImages { get; init; } = 100;

    /// <summary>Fewest iterations the budget chooser goes down to; default 10.</summary>
    public int MinIterations { get; init; } = 10;

    /// <summary>Attack step in pixel units of the 0-255 scale; null (default): the paper's 0.5, raised when there are few
    /// iterations so that iterations x step still reaches twice the largest epsilon.</summary>
    public double? Step { get; init; }

    /// <summary>k of top-k in pixels; null: the metrics' default for the map size.</summary>
    public int? K { get; init; }

    /// <summary>Softplus beta of the twin the attacks differentiate; default 1.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Softplus beta of the beta-smoothing defence; default 2; 0 leaves the defence out.</summary>
    public double DefenceBeta { get; init; } = 2.0;

    /// <summary>Seed of the input choice and every random draw; default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Images per batch; null (default): 16 for images up to 64x64 pixels, 4 above (memory).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Reference (baseline) name of grad_x_input, IG and DeepLIFT (see <see cref="Attribution.References.Create"/>); default "mean".</summary>
    public string Reference { get; init; } = "mean";

    /// <summary>SmoothGrad's noisy samples; default 50.</summary>
    public int SmoothGradSamples { get; init; } = 50;

    /// <summary>SmoothGrad's noise on the 0-255 scale; default 38.25.</summary>
    public double SmoothGradSigma255 { get; init; } = Attribution.SmoothGrad.DefaultSigma255;

    /// <summary>Steps of the deletion and insertion curves; default 28.</summary>
    public int FaithfulnessSteps { get; init; } = 28;

    /// <summary>The verdict thresholds; default <see cref="VerdictThresholds.Default"/>.</summary>
    public VerdictThresholds Thresholds { get; init; } = VerdictThresholds.Default;

    /// <summary>The method the user shows beside predictions, whose verdict is the audit's; null: the recommended one.</summary>
    public string? ShownMethod { get; init; }

    /// <summary>Checks every value; a <see cref="FragilityException"/> names the option and its valid range.</summary>
    public void Validate()
    {
        if (Epsilons.Count == 0) throw new FragilityException("--epsilons is empty: give at least one epsilon in (0, 255], e.g. 1,2,4,8.");
        foreach (double e in Epsilons)
            if (!(e > 0 && e <= 255)) throw new FragilityException($"--epsilons: {e.ToString(CultureInfo.InvariantCulture)} is outside (0, 255]; give pixel units of the 0-255 scale such as 1,2,4,8.");
        if (Methods is { Count: 0 }) throw new FragilityException("--methods is empty: give at least one method, or leave it out to audit every method the model supports.");
        if (!(Budget > TimeSpan.Zero)) throw new FragilityException("--budget must be positive, e.g. 5m or 90s.");
        if (Images is < 1) throw new FragilityException($"--images must be at least 1, got {Images}.");
        if (Iterations is < 1) throw new FragilityException($"--iterations must be at least 1, got {Iterations}.");
        if (MaxImages < 1) throw new FragilityException($"The most images must be at least 1, got {MaxImages}.");
        if (MinIterations < 1) throw new FragilityException($"The fewest iterations must be at least 1, got {MinIterations}.");
        if (Step is double s && !(s > 0 && s <= 255)) throw new FragilityException($"--step must be in (0, 255], got {s.ToString(CultureInfo.InvariantCulture)}.");
        if (BatchSize is < 1) throw new FragilityException($"--batch-size must be at least 1, got {BatchSize}.");
        if (!(Beta > 0)) throw new FragilityException($"--beta must be positive, got {Beta.ToString(CultureInfo.InvariantCulture)}.");
        if (!(DefenceBeta >= 0)) throw new FragilityException($"--defence-beta must be 0 (no beta-smoothing defence) or positive, got {DefenceBeta.ToString(CultureInfo.InvariantCulture)}.");
        if (FaithfulnessSteps < 1) throw new FragilityException($"The deletion/insertion steps must be at least 1, got {FaithfulnessSteps}.");
        if (ShownMethod is string shown && Methods is not null && !Methods.Contains(shown, StringComparer.OrdinalIgnoreCase))
            throw new FragilityException($"--shown {shown} is not among --methods ({string.Join(",", Methods)}): add it, or name one of them.");
    }

    /// <summary>The batch size for images of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public int BatchSizeFor(int height, int width) => BatchSize ?? (height * width <= 64 * 64 ? 16 : 4);

    /// <summary>The step for <paramref name="iterations"/> iterations: <see cref="Step"/>, else the paper's 0.5, raised to
    /// 2 x (largest epsilon) / iterations so that a short attack can still cross its whole box and back.</summary>
    public double StepFor(int iterations) => Step ?? Math.Max(0.5, 2 * Epsilons.Max() / iterations);
}
