using System.Globalization;

namespace Fragility.Audit;

/// <summary>
/// The documented thresholds of the score card (docs/scorecard.md). The robustness of a method is T, the mean over
/// images of the top-k intersection its map keeps under the strongest attack on that image (the lower of the top-k and
/// mass-center attacks) at the largest epsilon audited: 1 means the k most important pixels all stay, 0 that none do.
/// </summary>
/// <param name="Robust">T at or above this is <see cref="Verdict.Robust"/>; default 0.7.</param>
/// <param name="Fragile">T at or above this (and below <paramref name="Robust"/>) is <see cref="Verdict.Fragile"/>,
/// below it <see cref="Verdict.VeryFragile"/>; default 0.4.</param>
/// <param name="Sanity">A method passes the parameter-randomisation sanity check (Adebayo et al. 2018) when the mean
/// Spearman correlation of its maps on the trained and on the randomised model is below this; default 0.5.</param>
/// <param name="DefenceGain">A defence is worth its cost when it raises T by at least this much and the 95 % interval
/// of the paired gain is above zero; default 0.1.</param>
/// <param name="Broken">The breaking epsilon is the smallest at which the map keeps less than this share of its top-k
/// under attack; default 0.5 (half).</param>
public sealed record VerdictThresholds(double Robust = 0.7, double Fragile = 0.4, double Sanity = 0.5, double DefenceGain = 0.1, double Broken = 0.5)
{
    /// <summary>The defaults.</summary>
    public static VerdictThresholds Default { get; } = new();

    /// <summary>The verdict of robustness <paramref name="t"/> (NaN: very fragile, as nothing shows otherwise).</summary>
    public Verdict Of(double t) => t >= Robust ? Verdict.Robust : t >= Fragile ? Verdict.Fragile : Verdict.VeryFragile;

    /// <summary>A verdict's words: robust, fragile, very fragile.</summary>
    public static string Words(Verdict verdict) => verdict switch
    {
        Verdict.Robust => "robust",
        Verdict.Fragile => "fragile",
        _ => "very fragile",
    };

    /// <summary>Parses a --fail-if value: a verdict (robust, fragile, very-fragile: fail at that verdict or worse) or
    /// a number in [0, 1] (fail when T is below it).</summary>
    public static (Verdict? AtOrWorse, double? Below) ParseGate(string text)
    {
        string t = text.Trim().ToLowerInvariant().Replace('_', '-').Replace(' ', '-');
        if (t == "fragile") return (Verdict.Fragile, null);
        if (t == "very-fragile") return (Verdict.VeryFragile, null);
        if (t == "robust") return (Verdict.Robust, null);
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && v <= 1) return (null, v);
        throw new FragilityException($"--fail-if '{text}' is neither a verdict (fragile, very-fragile) nor a top-k intersection in [0, 1] such as 0.6.");
    }

    /// <summary>Whether <paramref name="card"/> trips a gate of <see cref="ParseGate"/>: its verdict is the gate's or worse,
    /// or the shown method keeps less than the gate's share of its top-k under attack (an unknown share trips it).</summary>
    public static bool Trips(ScoreCard card, (Verdict? AtOrWorse, double? Below) gate)
    {
        ArgumentNullException.ThrowIfNull(card);
        return gate.AtOrWorse is Verdict at ? card.Verdict >= at
            : gate.Below is double below && !(card.Methods.First(m => m.Method == card.ShownMethod).Robustness.Mean >= below);
    }
}
