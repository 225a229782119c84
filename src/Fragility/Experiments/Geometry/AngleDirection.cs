using Fragility.Geometry;

namespace Fragility.Experiments.Geometry;

/// <summary>The angles between grad_x score_y and one direction over the images of an <see cref="AngleResult"/>.</summary>
/// <param name="Name">Key in tables and headline numbers ("topk", "mass_center", "eigenvector").</param>
/// <param name="Label">Name in figures and texts.</param>
/// <param name="Angles">Per image, in degrees (NaN where a direction is zero).</param>
/// <param name="Acute">True for a line (an eigenvector has no sign): angles in [0, 90] rather than [0, 180].</param>
/// <param name="Statistics">Their summary.</param>
public sealed record AngleDirection(string Name, string Label, IReadOnlyList<double> Angles, bool Acute, AngleStatistics Statistics)
{
    /// <summary>The direction with the statistics of <paramref name="angles"/>.</summary>
    public static AngleDirection Of(string name, string label, IReadOnlyList<double> angles, bool acute) =>
        new(name, label, angles, acute, AngleStatistics.Of(angles));
}
