using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Metrics;

namespace Fragility.Experiments;

/// <summary>
/// What a sweep runs: every method x attack x epsilon on the first <see cref="Images"/> correctly classified test
/// images. Epsilons and the step are in pixel units of the 0-255 scale (8 means 8/255 for inputs in [0, 1]).
/// </summary>
public sealed record SweepSettings
{
    /// <summary>Attribution methods by name (e.g. gradient, ig, deeplift).</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["gradient"];

    /// <summary>Attacks by name (see <see cref="AttackNames"/>); default random, topk, mass_center.</summary>
    public IReadOnlyList<string> Attacks { get; init; } = [AttackNames.Random, AttackNames.TopK, AttackNames.MassCenter];

    /// <summary>Epsilons in pixel units of the 0-255 scale; default 1, 2, 4, 8 (the paper's).</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = [1, 2, 4, 8];

    /// <summary>Number of correctly classified test images attacked (the first ones in data-set order); default 100.</summary>
    public int Images { get; init; } = 100;

    /// <summary>Iterations P of the iterative attacks; default 300.</summary>
    public int Iterations { get; init; } = 300;

    /// <summary>Step alpha in pixel units of the 0-255 scale; default 0.5.</summary>
    public double Step { get; init; } = 0.5;

    /// <summary>k of top-k in pixels; null: the metrics' default for the map size (78 for 28x28).</summary>
    public int? K { get; init; }

    /// <summary>Softplus beta of the smooth twin; default 1.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Base seed of random draws; default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Criterion that picks each attack's returned iterate; default top-k intersection.</summary>
    public AttackCriterion Criterion { get; init; } = AttackCriterion.TopK;

    /// <summary>Images per batch; default 16. Does not change results (random draws are seeded per image).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Path points M of integrated gradients for maps and the criterion; default 100.</summary>
    public int IgSteps { get; init; } = 100;

    /// <summary>Path points of integrated gradients inside the attack gradient (cheaper); default 20.</summary>
    public int AttackSteps { get; init; } = 20;

    /// <summary>Method <paramref name="name"/> for maps and the criterion (<see cref="IgSteps"/>) and for attack
    /// gradients (<see cref="AttackSteps"/>; the same instance when they agree).</summary>
    internal (IAttributionMethod Evaluation, IAttributionMethod Gradient) MethodsFor(string name, SweepMethodFactory methods)
    {
        var evaluation = methods(name, IgSteps);
        return (evaluation, AttackSteps == IgSteps ? evaluation : methods(name, AttackSteps));
    }

    /// <summary>The cheaper integrated gradients that scores the iterates of the iterative attacks (the returned
    /// iterate's map is still made with <see cref="IgSteps"/> and the sweep's rule); null: the paper's setting, the
    /// criterion uses the evaluation method. Default <see cref="CriterionQuadrature.Default"/> (midpoint, 48 points),
    /// whose completeness error on the shipped model is below that of the paper's 100 right-Riemann points.</summary>
    public CriterionQuadrature? CriterionIg { get; init; } = CriterionQuadrature.Default;

    /// <summary>The criterion method for <paramref name="evaluation"/> (see <see cref="CriterionIg"/>), or null
    /// when the criterion is the evaluation method (the paper's setting, and every method other than integrated gradients).</summary>
    internal IAttributionMethod? CriterionFor(IAttributionMethod evaluation) => CriterionIg?.MethodFor(evaluation);

    /// <summary>Target region of the targeted attack, or null (then "targeted" cannot be in <see cref="Attacks"/>).</summary>
    public TargetRegion? Target { get; init; }

    /// <summary>How many images (the first ones) get .npy arrays in arrays/; default 32, 0 for none.</summary>
    public int ArrayImages { get; init; } = 32;

    /// <summary>The metrics written on each result line, by catalogue name (<see cref="MetricCatalogue"/>); default the
    /// paper's three and Kendall tau-b (<see cref="MetricCatalogue.DefaultNames"/>), the columns every sweep has written.</summary>
    public IReadOnlyList<string> Metrics { get; init; } = MetricCatalogue.DefaultNames;

    /// <summary>L-infinity radius of the noise of the robustness metrics, in pixel units of the 0-255 scale; default 8,
    /// the paper's largest epsilon, so that they measure random noise as large as the largest attack.</summary>
    public double SensitivityRadius { get; init; } = 8;

    /// <summary>Noise draws of the robustness metrics per image; default 10 (Captum's sensitivity_max default).</summary>
    public int SensitivitySamples { get; init; } = 10;

    /// <summary>The attack settings of one epsilon.</summary>
    public AttackSettings AttackSettingsFor(double epsilon) => new()
    {
        Epsilon = epsilon, Step = Step, Iterations = Iterations, K = K, Beta = Beta, Criterion = Criterion, Seed = Seed,
    };

    /// <summary>Checks every value; a <see cref="FragilityException"/> names the option and its valid range.</summary>
    public void Validate(int height, int width)
    {
        if (Methods.Count == 0) throw new FragilityException("--methods is empty: give at least one method, e.g. gradient,ig,deeplift.");
        if (Attacks.Count == 0) throw new FragilityException("--attacks is empty: give at least one attack, e.g. random,topk,mass_center.");
        if (Epsilons.Count == 0) throw new FragilityException("--epsilons is empty: give at least one epsilon in (0, 255], e.g. 1,2,4,8.");
        if (Metrics.Count == 0) throw new FragilityException($"--metrics is empty: give at least one of {string.Join(", ", MetricCatalogue.All.Select(m => m.Name))}.");
        Duplicates(Methods, "--methods");
        Duplicates(Metrics, "--metrics");
        MetricCatalogue.Canonical(Metrics);
        if (!double.IsFinite(SensitivityRadius) || SensitivityRadius <= 0)
            throw new FragilityException($"--sensitivity-radius must be positive, in pixel units of the 0-255 scale (default 8), got {SensitivityRadius}.");
        if (SensitivitySamples < 1) throw new FragilityException($"--sensitivity-samples must be at least 1 (default 10), got {SensitivitySamples}.");
        Duplicates(Attacks.Select(AttackNames.Canonical).ToList(), "--attacks");
        Duplicates(Epsilons.Select(e => e.ToString("R", CultureInfo.InvariantCulture)).ToList(), "--epsilons");
        if (Images < 1) throw new FragilityException($"--images must be at least 1, got {Images}.");
        if (BatchSize < 1) throw new FragilityException($"--batch-size must be at least 1 (default 16), got {BatchSize}.");
        if (IgSteps < 1) throw new FragilityException($"--ig-steps must be at least 1 (default 100), got {IgSteps}.");
        if (AttackSteps < 1) throw new FragilityException($"--attack-steps must be at least 1 (default 20), got {AttackSteps}.");
        if (ArrayImages < 0) throw new FragilityException($"--array-images must be 0 or more (default 32), got {ArrayImages}.");
        if (Attacks.Any(a => AttackNames.Canonical(a) == AttackNames.Targeted) && Target is null)
            throw new FragilityException("The targeted attack needs a target: pass --target-region row0,col0,row1,col1 or --target-mask PNG.");
        foreach (double e in Epsilons) AttackSettingsFor(e).Validate(height, width);
    }

    private static void Duplicates(IReadOnlyList<string> values, string option)
    {
        var twice = values.GroupBy(v => v, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new FragilityException($"{option} lists '{twice.Key}' twice: give each value once.");
    }
}
