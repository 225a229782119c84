using System.Globalization;

namespace Fragility.Cli.Infrastructure;

/// <summary>Comma-separated option values, parsed one way with one message for each mistake.</summary>
internal static class Lists
{
    /// <summary>The items of <paramref name="value"/>, trimmed; empty items dropped; an empty list or an item given
    /// twice is an error naming <paramref name="option"/>.</summary>
    public static string[] Split(string value, string option)
    {
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new FragilityException($"{option} is empty: give a comma-separated list.");
        var twice = items.GroupBy(i => i, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new FragilityException($"{option} lists '{twice.Key}' twice: give each value once.");
        return items;
    }

    /// <summary>The numbers of <paramref name="value"/> (pixel units of the 0-255 scale for epsilons).</summary>
    public static double[] Numbers(string value, string option) =>
        Split(value, option).Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new FragilityException($"{option}: '{s}' is not a number; give pixel units of the 0-255 scale such as 1,2,4,8 or 0.5.")).ToArray();
}
