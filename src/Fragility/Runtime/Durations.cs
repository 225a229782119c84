using System.Globalization;

namespace Fragility.Runtime;

/// <summary>Durations for people, one format for every estimate and budget: "40 s", "3.5 min", "1.2 h".</summary>
public static class Durations
{
    /// <summary><paramref name="seconds"/> in seconds below 90 s, minutes below 90 min, else hours.</summary>
    public static string ForPeople(double seconds) => seconds switch
    {
        < 90 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 5400 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
    };
}
