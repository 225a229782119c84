using System.Globalization;

namespace Fragility.Training.Regularisers;

/// <summary>
/// Makes training regularisers (defences of explanations on the training side, issue 10) from their command-line
/// names: <c>fragility train --regularise NAME[:key=value,...] --lambda L</c>.
/// <list type="bullet">
/// <item><c>weight_decay</c>: lambda/2 ||theta||^2 (<see cref="WeightDecayPenalty"/>).</item>
/// <item><c>input_gradient</c> (alias <c>double_backprop</c>): lambda * mean ||d CE / d x||^2 (<see cref="InputGradientPenalty"/>).</item>
/// <item><c>curvature</c>: finite difference of class-score input gradients, keys <c>direction=random|attack</c>,
/// <c>h=</c> step on the 0-255 scale (<see cref="CurvaturePenalty"/>).</item>
/// <item><c>hessian</c>: Hutchinson estimate of ||Hessian||_F^2 / d on the softplus twin, keys <c>beta=</c>,
/// <c>samples=</c> (<see cref="HessianNormPenalty"/>).</item>
/// <item><c>spectral</c>: projection of each layer's spectral norm onto [0, lambda] after every step; here lambda is
/// the bound, not a loss weight (<see cref="SpectralNormProjection"/>).</item>
/// <item><c>pgd</c>: adversarial training, lambda * CE(x_adv), keys <c>eps=</c>, <c>steps=</c>, <c>alpha=</c> on the
/// 0-255 scale (<see cref="PgdAdversarialTraining"/>).</item>
/// </list>
/// Every random draw is seeded from the training seed.
/// </summary>
public static class TrainingRegularisers
{
    /// <summary>Name of <see cref="WeightDecayPenalty"/>.</summary>
    public const string WeightDecay = "weight_decay";

    /// <summary>Name of <see cref="InputGradientPenalty"/>.</summary>
    public const string InputGradient = "input_gradient";

    /// <summary>Name of <see cref="CurvaturePenalty"/>.</summary>
    public const string Curvature = "curvature";

    /// <summary>Name of <see cref="HessianNormPenalty"/>.</summary>
    public const string Hessian = "hessian";

    /// <summary>Name of <see cref="SpectralNormProjection"/>.</summary>
    public const string Spectral = "spectral";

    /// <summary>Name of <see cref="PgdAdversarialTraining"/>.</summary>
    public const string Pgd = "pgd";

    /// <summary>All regulariser names.</summary>
    public static IReadOnlyList<string> Names { get; } = [WeightDecay, InputGradient, Curvature, Hessian, Spectral, Pgd];

    /// <summary>The regulariser described by <paramref name="spec"/> ("NAME" or "NAME:key=value,key=value") with
    /// strength <paramref name="lambda"/>; a <see cref="FragilityException"/> names a bad name, key or value.</summary>
    /// <param name="spec">Name and optional settings.</param>
    /// <param name="lambda">Strength (for <c>spectral</c>: the bound of each layer's spectral norm).</param>
    /// <param name="seed">Seed of the regulariser's random draws (directions, probes, random starts).</param>
    public static ITrainingRegulariser Create(string spec, double lambda, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Trim().Split(':', 2);
        string name = parts[0].Trim().ToLowerInvariant().Replace('-', '_');
        var settings = ParseSettings(parts.Length > 1 ? parts[1] : "", spec);
        ITrainingRegulariser result = name switch
        {
            WeightDecay => new WeightDecayPenalty(lambda),
            InputGradient or "double_backprop" or "gradnorm" => new InputGradientPenalty(lambda),
            Curvature => new CurvaturePenalty(lambda, Take(settings, "direction", "random") switch
            {
                "random" => CurvatureDirection.Random,
                "attack" => CurvatureDirection.Attack,
                var d => throw new FragilityException($"--regularise {spec}: direction must be random or attack, got '{d}'."),
            }, Number(settings, "h", 8, spec), seed),
            Hessian => new HessianNormPenalty(lambda, Number(settings, "beta", 10, spec), Integer(settings, "samples", 1, spec), seed),
            Spectral => new SpectralNormProjection(lambda, seed: seed),
            Pgd => new PgdAdversarialTraining(lambda, Number(settings, "eps", 8, spec), Integer(settings, "steps", 5, spec),
                settings.ContainsKey("alpha") ? Number(settings, "alpha", 0, spec) : null, seed),
            _ => throw new FragilityException($"Unknown regulariser '{parts[0]}'. Use one of: {string.Join(", ", Names)}."),
        };
        if (settings.Count > 0)
            throw new FragilityException($"--regularise {spec}: unknown setting(s) {string.Join(", ", settings.Keys)} for {name}. See 'fragility train --help'.");
        return result;
    }

    /// <summary>Checks a loss weight: finite and non-negative.</summary>
    internal static void CheckLambda(double lambda)
    {
        if (!(lambda >= 0 && double.IsFinite(lambda)))
            throw new FragilityException($"--lambda must be a non-negative number, got {lambda.ToString(CultureInfo.InvariantCulture)}.");
    }

    private static Dictionary<string, string> ParseSettings(string text, string spec)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = item.Split('=', 2);
            if (kv.Length != 2 || kv[0].Trim().Length == 0)
                throw new FragilityException($"--regularise {spec}: '{item}' is not key=value; write e.g. curvature:direction=attack,h=8.");
            settings[kv[0].Trim().ToLowerInvariant()] = kv[1].Trim().ToLowerInvariant();
        }
        return settings;
    }

    private static string Take(Dictionary<string, string> settings, string key, string fallback)
    {
        if (!settings.Remove(key, out var value)) return fallback;
        return value;
    }

    private static double Number(Dictionary<string, string> settings, string key, double fallback, string spec)
    {
        if (!settings.Remove(key, out var value)) return fallback;
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new FragilityException($"--regularise {spec}: {key} must be a number, got '{value}'.");
    }

    private static int Integer(Dictionary<string, string> settings, string key, int fallback, string spec)
    {
        double v = Number(settings, key, fallback, spec);
        return v == Math.Floor(v) && v >= 1 && v <= int.MaxValue ? (int)v
            : throw new FragilityException($"--regularise {spec}: {key} must be a whole number of at least 1, got {v.ToString(CultureInfo.InvariantCulture)}.");
    }
}
