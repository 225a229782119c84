namespace Fragility.Reporting;

/// <summary>
/// Built-in colormaps. The lookup tables are hand-written from published control points (ten evenly spaced
/// colours of matplotlib's viridis / inferno / magma, as listed by R's viridisLite; nine of Moreland's diverging
/// cool-warm), interpolated linearly in sRGB: a few dozen constants instead of a plotting dependency for
/// per-pixel work. Differences from the 256-entry originals are a few levels of 255. ScottPlot's own tables are not
/// exact either: they truncate where matplotlib rounds (its viridis ends at #FDE724, matplotlib's at #FDE725; its
/// inferno at #FCFEA4 for #FCFFA4), so the published control points are kept.
/// </summary>
public static class Colormaps
{
    /// <summary>Viridis (perceptually uniform, sequential): dark purple at 0, through teal, to yellow at 1.</summary>
    public static Colormap Viridis { get; } = Colormap.FromHex("viridis",
        "#440154", "#482878", "#3E4A89", "#31688E", "#26828E", "#1F9E89", "#35B779", "#6DCD59", "#B4DE2C", "#FDE725");

    /// <summary>Inferno (perceptually uniform, sequential): black at 0, through purple and orange, to pale yellow at 1. The default for maps.</summary>
    public static Colormap Inferno { get; } = Colormap.FromHex("inferno",
        "#000004", "#1B0C42", "#4B0C6B", "#781C6D", "#A52C60", "#CF4446", "#ED6925", "#FB9A06", "#F7D03C", "#FCFFA4");

    /// <summary>Magma (perceptually uniform, sequential): black at 0, through purple and pink, to pale cream at 1.</summary>
    public static Colormap Magma { get; } = Colormap.FromHex("magma",
        "#000004", "#180F3E", "#451077", "#721F81", "#9F2F7F", "#CD4071", "#F1605D", "#FD9567", "#FEC98D", "#FCFDBF");

    /// <summary>Moreland's cool-warm (diverging): blue at 0, neutral grey (#DDDDDD) at 0.5, red at 1. Used for signed perturbations.</summary>
    public static Colormap CoolWarm { get; } = Colormap.FromHex("coolwarm",
        "#3B4CC0", "#6688EE", "#88ABFD", "#B8D0F9", "#DDDDDD", "#F5C4AC", "#F39475", "#DD604D", "#B40426");

    /// <summary>Grey ramp: black at 0, white at 1.</summary>
    public static Colormap Grey { get; } = Colormap.FromHex("grey", "#000000", "#FFFFFF");

    /// <summary>All built-in colormaps, by name.</summary>
    public static IReadOnlyList<Colormap> All { get; } = [Viridis, Inferno, Magma, CoolWarm, Grey];

    /// <summary>The built-in colormap with the given name (case-insensitive: viridis, inferno, magma, coolwarm, grey).</summary>
    /// <exception cref="FragilityException">No colormap has that name.</exception>
    public static Colormap Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new FragilityException($"Unknown colormap '{name}'. Use one of: {string.Join(", ", All.Select(c => c.Name))}.");
    }
}
