using SkiaSharp;

namespace Fragility.Reporting;

/// <summary>
/// A colormap: a 257-entry lookup table (entry i is the colour of t = i/256, so 0.5 is an exact entry, the neutral
/// point of a diverging map) from a value t in [0, 1] to an opaque sRGB colour, built by linear
/// interpolation (in sRGB) between evenly spaced control points. See <see cref="Colormaps"/> for the built-in ones.
/// </summary>
public sealed class Colormap
{
    private readonly SKColor[] _lut;

    private Colormap(string name, SKColor[] lut)
    {
        Name = name;
        _lut = lut;
    }

    /// <summary>Name of the colormap (e.g. "viridis").</summary>
    public string Name { get; }

    /// <summary>Number of entries of the lookup table (257).</summary>
    public int Size => _lut.Length;

    /// <summary>
    /// Builds a colormap from control points spaced evenly over [0, 1] (the first at 0, the last at 1), interpolated
    /// linearly in sRGB into 257 entries.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two control points.</exception>
    public static Colormap FromControlPoints(string name, IReadOnlyList<SKColor> controlPoints)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(controlPoints);
        if (controlPoints.Count < 2) throw new ArgumentException("a colormap needs at least two control points", nameof(controlPoints));
        var lut = new SKColor[257];
        int segments = controlPoints.Count - 1;
        for (int i = 0; i < lut.Length; i++)
        {
            double position = i / 256.0 * segments;
            int s = Math.Min((int)position, segments - 1);
            double f = position - s;
            SKColor a = controlPoints[s], b = controlPoints[s + 1];
            lut[i] = new SKColor(Lerp(a.Red, b.Red, f), Lerp(a.Green, b.Green, f), Lerp(a.Blue, b.Blue, f));
        }
        return new Colormap(name, lut);
    }

    /// <summary>Builds a colormap from control points given as "#RRGGBB" strings (see <see cref="FromControlPoints(string, IReadOnlyList{SKColor})"/>).</summary>
    public static Colormap FromHex(string name, params string[] controlPoints) =>
        FromControlPoints(name, controlPoints.Select(SKColor.Parse).ToArray());

    /// <summary>
    /// The colour of value <paramref name="t"/>: t is clamped to [0, 1] and rounded to the nearest of the 257 entries;
    /// NaN gives the colour of 0.
    /// </summary>
    public SKColor Map(double t)
    {
        if (double.IsNaN(t) || t <= 0) return _lut[0];
        if (t >= 1) return _lut[^1];
        return _lut[(int)Math.Round(t * (_lut.Length - 1))];
    }

    private static byte Lerp(byte a, byte b, double f) => (byte)Math.Round(a + (b - a) * f);
}
