using Fragility.Attribution;

namespace Fragility.Experiments;

/// <summary>The attribution methods a sweep or an attack command can use, by name.</summary>
public static class SweepMethods
{
    /// <summary>Makes methods by name; <c>igSteps</c> sets the path points of integrated gradients.</summary>
    public static SweepMethodFactory Default() => (name, igSteps) => name.Trim().ToLowerInvariant() switch
    {
        "gradient" => new SimpleGradient(),
        _ => throw new FragilityException($"Attribution method '{name}' is not available in this build; use gradient."),
    };
}
