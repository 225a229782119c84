using MathNet.Numerics.Statistics;

namespace Fragility.Geometry;

/// <summary>Summary of a set of angles in degrees (NaN angles, from zero directions, are counted apart).</summary>
/// <param name="Count">Defined angles.</param>
/// <param name="Mean">Mean in degrees.</param>
/// <param name="Median">Median in degrees.</param>
/// <param name="StandardDeviation">Sample standard deviation in degrees.</param>
/// <param name="NearOrthogonal">Fraction of the defined angles within 10 degrees of 90 (in [80, 100]).</param>
/// <param name="Undefined">Angles that were NaN.</param>
public sealed record AngleStatistics(int Count, double Mean, double Median, double StandardDeviation, double NearOrthogonal, int Undefined)
{
    /// <summary>The statistics of <paramref name="angles"/>.</summary>
    public static AngleStatistics Of(IReadOnlyList<double> angles)
    {
        var defined = angles.Where(double.IsFinite).ToArray();
        int undefined = angles.Count - defined.Length;
        if (defined.Length == 0) return new AngleStatistics(0, double.NaN, double.NaN, double.NaN, double.NaN, undefined);
        return new AngleStatistics(defined.Length, defined.Average(), defined.Median(),
            defined.Length > 1 ? defined.StandardDeviation() : 0.0, defined.Count(a => Math.Abs(a - 90) <= 10) / (double)defined.Length, undefined);
    }
}
