using MathNet.Numerics.Integration;

namespace Fragility.Attribution;

/// <summary>
/// Nodes and weights of the <see cref="IntegrationRule"/>s on [0, 1] (Captum's approximation_methods): a new rule
/// is one case here, and integrated gradients never changes.
/// </summary>
public static class PathIntegration
{
    /// <summary>The command-line names of the rules, in <see cref="IntegrationRule"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["riemann_right", "riemann_left", "riemann_middle", "trapezoid", "gausslegendre"];

    /// <summary>The M nodes alpha_i in [0, 1] and weights w_i (summing to 1) of <paramref name="rule"/>.</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="steps">M, the number of points (at least 1; at least 2 for the trapezoid rule).</param>
    public static (double[] Alphas, double[] Weights) Points(IntegrationRule rule, int steps)
    {
        int minimum = rule == IntegrationRule.Trapezoid ? 2 : 1;
        if (steps < minimum)
            throw new FragilityException($"The {NameOf(rule)} rule needs at least {minimum} path point(s), got {steps}. Raise the number of steps.");
        double m = steps;
        switch (rule)
        {
            case IntegrationRule.RiemannRight:
                return (Enumerable.Range(1, steps).Select(i => i / m).ToArray(), Uniform(steps));
            case IntegrationRule.RiemannLeft:
                return (Enumerable.Range(0, steps).Select(i => i / m).ToArray(), Uniform(steps));
            case IntegrationRule.RiemannMiddle:
                return (Enumerable.Range(0, steps).Select(i => (i + 0.5) / m).ToArray(), Uniform(steps));
            case IntegrationRule.Trapezoid:
            {
                var alphas = Enumerable.Range(0, steps).Select(i => i / (m - 1)).ToArray();
                var weights = Enumerable.Range(0, steps).Select(i => (i == 0 || i == steps - 1 ? 0.5 : 1.0) / (m - 1)).ToArray();
                return (alphas, weights);
            }
            case IntegrationRule.GaussLegendre:
            {
                var gl = new GaussLegendreRule(0.0, 1.0, steps);
                return (gl.Abscissas.ToArray(), gl.Weights.ToArray());
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown integration rule");
        }
    }

    /// <summary>The command-line name of <paramref name="rule"/> ("riemann_right", "trapezoid", ...).</summary>
    public static string NameOf(IntegrationRule rule) => Names[(int)rule];

    /// <summary>Parses a command-line rule name (case-insensitive).</summary>
    public static IntegrationRule Parse(string name)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return (IntegrationRule)i;
        throw new FragilityException($"Unknown integration rule '{name}'. Choose one of: {string.Join(", ", Names)}.");
    }

    private static double[] Uniform(int steps) => Enumerable.Repeat(1.0 / steps, steps).ToArray();
}
