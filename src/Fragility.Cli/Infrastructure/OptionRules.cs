using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Fragility.Cli.Infrastructure;

/// <summary>Validators that System.CommandLine runs while parsing, so a value out of range is one parse error (one
/// line, exit 2) that names the option and its range, before any work starts. The default is stated once, by the
/// option's DefaultValueFactory, which help prints.</summary>
internal static class OptionRules
{
    /// <summary>The value must be at least <paramref name="min"/>.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, T min) where T : INumber<T> =>
        option.Rule(v => v >= min, $"at least {Text(min)}");

    /// <summary>The value, when given, must be at least <paramref name="min"/>.</summary>
    public static Option<T?> AtLeast<T>(this Option<T?> option, T min) where T : struct, INumber<T> =>
        option.Rule(v => v is null || v.Value >= min, $"at least {Text(min)}");

    /// <summary>The value must be in (<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static Option<T> Above<T>(this Option<T> option, T low, T high) where T : INumber<T> =>
        option.Rule(v => v > low && v <= high, $"in ({Text(low)}, {Text(high)}]");

    /// <summary>The value must be positive.</summary>
    public static Option<T> Positive<T>(this Option<T> option) where T : INumber<T> =>
        option.Rule(v => v > T.Zero, "positive");

    /// <summary>The value must be in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static Option<T> Between<T>(this Option<T> option, T low, T high) where T : INumber<T> =>
        option.Rule(v => v >= low && v <= high, $"in [{Text(low)}, {Text(high)}]");

    /// <summary>A comma-separated list (parsed by <see cref="Lists.Split"/>) whose every item is one of
    /// <paramref name="allowed"/> (case-insensitive).</summary>
    public static Option<string> ListOf(this Option<string> option, IReadOnlyCollection<string> allowed) =>
        option.ListRule(text =>
        {
            string? bad = Lists.Split(text, option.Name).FirstOrDefault(i => !allowed.Contains(i, StringComparer.OrdinalIgnoreCase));
            return bad is null ? null : $"{option.Name} has an unknown value '{bad}': use {string.Join(", ", allowed)}";
        });

    /// <summary>A comma-separated list of numbers (parsed by <see cref="Lists.Numbers"/>), each in
    /// (<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static Option<string> NumbersAbove(this Option<string> option, double low, double high) =>
        option.ListRule(text =>
        {
            double[] values = Lists.Numbers(text, option.Name);
            return values.FirstOrDefault(v => !(v > low && v <= high), double.NaN) is var bad && !double.IsNaN(bad)
                ? $"{option.Name} values must be in ({Text(low)}, {Text(high)}], got {Text(bad)}" : null;
        });

    private static Option<string> ListRule(this Option<string> option, Func<string, string?> problem)
    {
        option.Validators.Add(result =>
        {
            string? text = result.GetValueOrDefault<string>();
            if (text is null) return;
            try
            {
                if (problem(text) is string error) result.AddError(error);
            }
            catch (FragilityException e)
            {
                result.AddError(e.Message.TrimEnd('.'));
            }
        });
        return option;
    }

    private static Option<T> Rule<T>(this Option<T> option, Func<T, bool> valid, string range)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (!valid(value)) result.AddError($"{option.Name} must be {range}, got {Text(value)}");
        });
        return option;
    }

    private static string Text<T>(T value) => value switch
    {
        null => "nothing",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
