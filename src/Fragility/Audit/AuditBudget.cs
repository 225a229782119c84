using System.Globalization;
using System.Text.RegularExpressions;

namespace Fragility.Audit;

/// <summary>
/// Chooses images x iterations to fit a time budget, from a measured <see cref="AuditCost"/>. Attack strength comes
/// first, because a weak attack overstates robustness, which is the dangerous error for a gate: the chooser keeps the
/// paper's 300 iterations while at least <see cref="MinimumImages"/> images fit, and steps the iterations down a ladder
/// (300, 200, 150, 100, 75, 50, 30, 20, 10) only when they do not; then it takes as many images as fit, up to the
/// cap. Given <c>--images</c> or <c>--iterations</c>, only the other is chosen; given both, nothing is.
/// </summary>
public static partial class AuditBudget
{
    /// <summary>Fewest images the chooser accepts before it lowers the iterations: 20 keeps the 95 % interval of a
    /// mean top-k intersection within about ±0.07 when images spread by 0.15 (docs/scorecard.md).</summary>
    public const int MinimumImages = 20;

    /// <summary>The paper's iterations and the steps down from them.</summary>
    public static IReadOnlyList<int> Ladder { get; } = [300, 200, 150, 100, 75, 50, 30, 20, 10];

    /// <summary>Chooses the run's size.</summary>
    /// <param name="cost">The measured cost model.</param>
    /// <param name="budgetSeconds">Seconds left for the run (the budget less what calibration took).</param>
    /// <param name="available">Usable images (correctly classified or unlabelled).</param>
    /// <param name="settings">The caps, the floor and the overrides (<see cref="AuditSettings.Images"/>, <see cref="AuditSettings.Iterations"/>).</param>
    /// <exception cref="FragilityException">Not even one image fits the budget at the fewest iterations.</exception>
    public static AuditChoice Choose(AuditCost cost, double budgetSeconds, int available, AuditSettings settings)
    {
        if (available < 1) throw new FragilityException("No usable image: every labelled image is misclassified by the model. Check that the images and the model's classes match.");
        int cap = Math.Min(settings.MaxImages, available);
        if (settings.Images is int fixedImages && fixedImages > available)
            throw new FragilityException($"--images {fixedImages} but only {available} usable images (correctly classified or unlabelled): ask for fewer, or give more images.");
        var ladder = Ladder.Where(p => p >= settings.MinIterations).Append(settings.MinIterations).Distinct().OrderDescending().ToArray();
        string Need(int images, int iterations) => Runtime.Durations.ForPeople(cost.Seconds(images, iterations));

        if (settings.Images is int n && settings.Iterations is int p)
            return new AuditChoice(n, p, cost.Seconds(n, p), "--images and --iterations given");
        if (settings.Iterations is int given)
        {
            int fit = Math.Min(cost.ImagesWithin(budgetSeconds, given), cap);
            if (fit < 1) throw TooSmall(budgetSeconds, $"one image at --iterations {given} needs {Need(1, given)}");
            return new AuditChoice(fit, given, cost.Seconds(fit, given), fit == cap ? "every usable image fits" : "the most images that fit");
        }
        if (settings.Images is int images)
        {
            foreach (int iterations in ladder)
                if (cost.Seconds(images, iterations) <= budgetSeconds)
                    return new AuditChoice(images, iterations, cost.Seconds(images, iterations),
                        iterations == ladder[0] ? "the paper's iterations fit" : "the most iterations that fit");
            throw TooSmall(budgetSeconds, $"--images {images} at {ladder[^1]} iterations needs {Need(images, ladder[^1])}");
        }
        int wanted = Math.Min(MinimumImages, cap);
        foreach (int iterations in ladder)
        {
            int fit = Math.Min(cost.ImagesWithin(budgetSeconds, iterations), cap);
            if (fit >= wanted)
                return new AuditChoice(fit, iterations, cost.Seconds(fit, iterations),
                    iterations == ladder[0] ? "the paper's iterations fit" : $"fewer iterations, so that at least {wanted} images fit");
        }
        int last = ladder[^1];
        int few = Math.Min(cost.ImagesWithin(budgetSeconds, last), cap);
        if (few < 1) throw TooSmall(budgetSeconds, $"one image at {last} iterations needs {Need(1, last)}");
        return new AuditChoice(few, last, cost.Seconds(few, last), few == 1 ? "the budget allows only one image at the fewest iterations, so there are no intervals; give more --budget for them"
            : $"the budget allows only {few} images at the fewest iterations; give more --budget for tighter intervals");
    }

    private static FragilityException TooSmall(double budgetSeconds, string need) =>
        new($"--budget {Runtime.Durations.ForPeople(Math.Max(0, budgetSeconds))} (after calibration) is too small: {need}. Give a larger --budget, or fewer --methods or --epsilons.");

    /// <summary>Parses a budget such as 90s, 5m, 1h30m or 2h (a bare number is minutes).</summary>
    /// <exception cref="FragilityException">Not a positive duration.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes) && minutes > 0) return TimeSpan.FromMinutes(minutes);
        var match = BudgetPattern().Match(t);
        if (!match.Success || t.Length == 0)
            throw new FragilityException($"--budget '{text}' is not a duration: write e.g. 90s, 5m, 1h30m.");
        double seconds = 0;
        foreach (Capture c in match.Groups["part"].Captures)
        {
            double v = double.Parse(c.Value[..^1], CultureInfo.InvariantCulture);
            seconds += c.Value[^1] switch { 'h' => 3600 * v, 'm' => 60 * v, _ => v };
        }
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw new FragilityException($"--budget '{text}' must be positive, e.g. 5m.");
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[hms])+$")]
    private static partial Regex BudgetPattern();
}
