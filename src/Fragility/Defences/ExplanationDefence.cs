using System.Globalization;
using Fragility.Attribution;
using Fragility.Models;

namespace Fragility.Defences;

/// <summary>
/// An explanation-side defence (no retraining): a transformation of an attribution method into a defended one, with
/// the adaptive attack that goes through it. Parsed from a name with <see cref="Parse"/>:
/// <list type="bullet">
/// <item><c>none</c>: the method as it is (the undefended row).</item>
/// <item><c>beta:B</c>: the map of the softplus(B) twin (<see cref="BetaSmoothed"/>; Dombrowski et al. 2019).</item>
/// <item><c>smoothgrad</c>, <c>smoothgrad_sq</c>: SmoothGrad and SmoothGrad-squared around the method (Smilkov et al. 2017;
/// Hooker et al. 2019), optional <c>:n=SAMPLES,sigma=SIGMA255</c>.</item>
/// <item><c>jitter:R</c>: average over shifts of up to R pixels (<see cref="JitterAveraged"/>).</item>
/// <item><c>ig_steps:M</c>, <c>ig_reference:NAME</c>: integrated gradients with M path points or another reference
/// (Sundararajan et al. 2017; Sturmfels et al. 2020); only for the method <c>ig</c>.</item>
/// </list>
/// </summary>
public sealed class ExplanationDefence
{
    private readonly Func<Classifier, IAttributionMethod, IAttributionMethod?> _apply;

    private ExplanationDefence(string name, string citation, string adaptiveAttack, Func<Classifier, IAttributionMethod, IAttributionMethod?> apply)
    {
        Name = name;
        Citation = citation;
        AdaptiveAttack = adaptiveAttack;
        _apply = apply;
    }

    /// <summary>The defence's canonical name, e.g. "beta:2" or "smoothgrad(n=50,sigma=38.25)".</summary>
    public string Name { get; }

    /// <summary>The reference the defence comes from.</summary>
    public string Citation { get; }

    /// <summary>How the adaptive attack goes through the defence (stated in the defence table).</summary>
    public string AdaptiveAttack { get; }

    /// <summary>True for <c>none</c>.</summary>
    public bool IsNone => Name == "none";

    /// <summary>The names <see cref="Parse"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["none", "beta:B", "smoothgrad[:n=N,sigma=S]", "smoothgrad_sq[:n=N,sigma=S]", "jitter:R", "ig_steps:M", "ig_reference:REF"];

    /// <summary>The defended method for <paramref name="method"/> on <paramref name="model"/>, or null when the
    /// defence does not apply to that method (e.g. beta-smoothing of DeepLIFT, ig_steps of the gradient).</summary>
    public IAttributionMethod? Apply(Classifier model, IAttributionMethod method) => _apply(model, method);

    /// <summary>Parses a defence name (see the class summary).</summary>
    /// <param name="spec">The name with its parameter.</param>
    /// <param name="smoothGradSamples">Default number of SmoothGrad samples.</param>
    /// <param name="smoothGradSigma255">Default SmoothGrad noise on the 0-255 scale.</param>
    /// <param name="seed">Seed of SmoothGrad's noise.</param>
    /// <param name="igRule">Integration rule of the IG variants.</param>
    public static ExplanationDefence Parse(string spec, int smoothGradSamples = 50, double smoothGradSigma255 = SmoothGrad.DefaultSigma255,
        long seed = 0, IntegrationRule igRule = IntegrationRule.RiemannRight)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Trim().Split(':', 2);
        string name = parts[0].Trim().ToLowerInvariant().Replace('-', '_');
        string? argument = parts.Length > 1 ? parts[1].Trim() : null;
        switch (name)
        {
            case "none":
                NoArgument(argument, spec);
                return new ExplanationDefence("none", "-", "the paper's attack on the undefended map", (_, m) => m);
            case "beta":
            {
                double beta = argument is null ? 2.0 : Number(argument, spec, "beta");
                if (!(beta > 0)) throw new FragilityException($"--defences {spec}: the softplus beta must be a positive number, e.g. beta:2.");
                return new ExplanationDefence(Invariant($"beta:{beta:R}"), "Dombrowski et al. 2019, NeurIPS (beta-smoothing)",
                    Invariant($"through the beta-smoothed map itself (softplus beta={beta:R}, double backprop)"),
                    (_, m) => m.NeedsSmoothTwinForAttack && m is not BetaSmoothed ? new BetaSmoothed(m, beta) : null);
            }
            case "smoothgrad" or "smoothgrad_sq":
            {
                bool squared = name == "smoothgrad_sq";
                int n = smoothGradSamples;
                double sigma = smoothGradSigma255;
                foreach (var (key, value) in KeyValues(argument, spec))
                {
                    if (key == "n") n = Integer(value, spec, "n");
                    else if (key == "sigma") sigma = Number(value, spec, "sigma");
                    else throw new FragilityException($"--defences {spec}: unknown setting '{key}'; use n=SAMPLES,sigma=SIGMA (0-255 scale).");
                }
                var probe = new SmoothGrad(samples: n, sigma255: sigma, squared: squared, seed: seed);   // validates n and sigma
                string label = Invariant($"{name}(n={n},sigma={sigma:R})");
                return new ExplanationDefence(label,
                    squared ? "Smilkov et al. 2017; SmoothGrad-squared: Hooker et al. 2019, NeurIPS" : "Smilkov et al. 2017, arXiv 1706.03825 (SmoothGrad)",
                    Invariant($"through the {(squared ? "squared " : "")}SmoothGrad average with the same {n} noise samples (expectation differentiated over fixed noise)"),
                    (_, m) => m is SmoothGrad ? null : new SmoothGrad(m, probe.Samples, probe.Sigma255, squared, seed, internalBatchSize: 256));
            }
            case "jitter":
            {
                int radius = argument is null ? 1 : Integer(argument, spec, "radius");
                _ = new JitterAveraged(new SimpleGradient(), radius);   // validates the radius
                return new ExplanationDefence(Invariant($"jitter:{radius}"), "translation jitter (Olah et al. 2017, Distill) averaged as in SmoothGrad",
                    Invariant($"through the average over all {(2 * radius + 1) * (2 * radius + 1)} shifts"),
                    (_, m) => new JitterAveraged(m, radius));
            }
            case "ig_steps":
            {
                int steps = argument is null ? throw new FragilityException($"--defences {spec}: give the number of path points, e.g. ig_steps:300.") : Integer(argument, spec, "steps");
                if (steps < 1) throw new FragilityException($"--defences {spec}: the number of path points must be at least 1.");
                return new ExplanationDefence(Invariant($"ig_steps:{steps}"), "Sundararajan et al. 2017, ICML (integrated gradients)",
                    Invariant($"through integrated gradients with all {steps} path points"),
                    (_, m) => m is IntegratedGradients ig ? new IntegratedGradients(steps, ig.Rule, ig.Reference, ig.InternalBatchSize) : null);
            }
            case "ig_reference":
            {
                string reference = argument ?? throw new FragilityException($"--defences {spec}: name the reference, e.g. ig_reference:blur or ig_reference:zero.");
                return new ExplanationDefence($"ig_reference:{reference}", "Sturmfels, Lundberg and Lee 2020, Distill (baselines of IG)",
                    $"through integrated gradients with the {reference} reference",
                    (model, m) => m is IntegratedGradients ig ? new IntegratedGradients(ig.Steps, ig.Rule, References.Create(model, reference), ig.InternalBatchSize) : null);
            }
            default:
                throw new FragilityException($"Unknown defence '{spec}'. Use one of: {string.Join(", ", Names)}.");
        }
    }

    private static void NoArgument(string? argument, string spec)
    {
        if (argument is not null) throw new FragilityException($"--defences {spec}: 'none' takes no parameter.");
    }

    private static IEnumerable<(string Key, string Value)> KeyValues(string? argument, string spec)
    {
        if (argument is null) yield break;
        foreach (string item in argument.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = item.Split('=', 2);
            if (kv.Length != 2) throw new FragilityException($"--defences {spec}: '{item}' is not key=value; write e.g. smoothgrad:n=50,sigma=38.25.");
            yield return (kv[0].Trim().ToLowerInvariant(), kv[1].Trim());
        }
    }

    private static double Number(string text, string spec, string what) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new FragilityException($"--defences {spec}: {what} must be a number, got '{text}'.");

    private static int Integer(string text, string spec, string what)
    {
        double v = Number(text, spec, what);
        return v == Math.Floor(v) && v >= 0 && v <= int.MaxValue ? (int)v
            : throw new FragilityException($"--defences {spec}: {what} must be a whole number, got '{text}'.");
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => Name;
}
