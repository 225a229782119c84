using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;

namespace Fragility.Defences;

/// <summary>
/// Settings of <see cref="DefenceEvaluation"/> (<c>fragility defend</c>). Epsilons and steps are in pixel units of the
/// 0-255 scale (8 means 8/255 for inputs in [0, 1]).
/// </summary>
public sealed record DefenceSettings
{
    /// <summary>Attribution methods (see <see cref="AttributionMethods.Names"/>); default the simple gradient.</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["gradient"];

    /// <summary>Explanation-side defences (see <see cref="ExplanationDefence.Parse"/>); "none" is always evaluated
    /// (its attacks are the non-adaptive ones of the other rows). Default none, beta:2, smoothgrad, smoothgrad_sq, jitter:1.</summary>
    public IReadOnlyList<string> Defences { get; init; } = ["none", "beta:2", "smoothgrad", "smoothgrad_sq", "jitter:1"];

    /// <summary>Attacked test images: the first N, in data-set order, that every model classifies correctly. Default 100.</summary>
    public int Images { get; init; } = 100;

    /// <summary>Epsilons of the top-k attack's robustness curve (0-255 scale). Default 1, 2, 4, 8 (the paper's).</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = [1, 2, 4, 8];

    /// <summary>Epsilon of the table's columns (top-k, mass-center and random attacks; 0-255 scale). Default 8.</summary>
    public double TableEpsilon { get; init; } = 8;

    /// <summary>Attack iterations P. Default 300 (the paper's reference code).</summary>
    public int Iterations { get; init; } = 300;

    /// <summary>Attack step alpha (0-255 scale). Default 0.5.</summary>
    public double Step { get; init; } = 0.5;

    /// <summary>k of top-k (pixels); null for the metrics' default (78 for 28x28).</summary>
    public int? K { get; init; }

    /// <summary>Softplus beta of the twin through which gradient-based maps are attacked (not the beta of the
    /// beta-smoothing defence, whose attack goes through its own beta). Default 1.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Base seed of random draws (random-sign baseline, SmoothGrad noise, parameter randomisation). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Images attacked together. Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>SmoothGrad noise samples of the smoothgrad defences (unless given in the defence name). Default 50.</summary>
    public int SmoothGradSamples { get; init; } = 50;

    /// <summary>SmoothGrad noise sigma on the 0-255 scale. Default 38.25 (15% of the range).</summary>
    public double SmoothGradSigma255 { get; init; } = SmoothGrad.DefaultSigma255;

    /// <summary>Path points of integrated gradients. Default 100.</summary>
    public int IgSteps { get; init; } = 100;

    /// <summary>Integration rule of integrated gradients. Default the paper's right Riemann sum.</summary>
    public IntegrationRule IgRule { get; init; } = IntegrationRule.RiemannRight;

    /// <summary>Reference of grad_x_input, IG and DeepLIFT (see <see cref="References.Create"/>). Default "mean".</summary>
    public string Reference { get; init; } = "mean";

    /// <summary>Steps T of the deletion and insertion curves. Default 28.</summary>
    public int FaithfulnessSteps { get; init; } = 28;

    /// <summary>What deleted pixels become (a reference name: zero, mean, blur...). Default "zero" (RISE).</summary>
    public string DeletionBaseline { get; init; } = "zero";

    /// <summary>What insertion starts from (a reference name). Default "blur" (a Gaussian blur of sigma 2 pixels; RISE).</summary>
    public string InsertionBaseline { get; init; } = "blur";

    /// <summary>The epsilons attacked with the top-k attack: <see cref="Epsilons"/> and <see cref="TableEpsilon"/>, ascending.</summary>
    public IReadOnlyList<double> CurveEpsilons => Epsilons.Append(TableEpsilon).Distinct().Order().ToArray();

    /// <summary>The attack settings at <paramref name="epsilon"/> with <paramref name="criterion"/>.</summary>
    public AttackSettings Attack(double epsilon, AttackCriterion criterion) => new()
    {
        Epsilon = epsilon, Step = Step, Iterations = Iterations, K = K, Beta = Beta, Criterion = criterion, Seed = Seed,
    };

    /// <summary>Checks every value, naming the option and its valid range.</summary>
    public void Validate(int height, int width)
    {
        if (Methods.Count == 0) throw new FragilityException("--methods is empty: name at least one attribution method, e.g. gradient.");
        if (Defences.Count == 0) throw new FragilityException("--defences is empty: name at least one defence, e.g. none,smoothgrad.");
        if (Images < 1) throw new FragilityException($"--images must be at least 1, got {Images}.");
        if (Epsilons.Count == 0) throw new FragilityException("--epsilons is empty: give the epsilons of the robustness curve, e.g. 1,2,4,8.");
        if (BatchSize < 1) throw new FragilityException($"--batch-size must be at least 1, got {BatchSize}.");
        if (IgSteps < 1) throw new FragilityException($"--ig-steps must be at least 1, got {IgSteps}.");
        if (FaithfulnessSteps < 1) throw new FragilityException($"--faithfulness-steps must be at least 1, got {FaithfulnessSteps}.");
        foreach (double e in CurveEpsilons) Attack(e, AttackCriterion.TopK).Validate(height, width);
        if (!Methods.All(m => m.Length > 0)) throw new FragilityException("--methods has an empty name.");
        _ = Format(TableEpsilon);
    }

    internal static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
