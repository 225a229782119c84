namespace Fragility.Metrics;

/// <summary>Argument checks and small helpers shared by the map metrics.</summary>
internal static class MapChecks
{
    /// <summary>Throws <see cref="ArgumentException"/> unless both maps are height*width long and finite.</summary>
    public static void Pair(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int height, int width)
    {
        if (clean.Length != perturbed.Length)
            throw new ArgumentException($"The clean map has {clean.Length} values but the perturbed map has {perturbed.Length}; compare maps of the same image size.");
        Single(clean, height, width, "clean");
        Single(perturbed, height, width, "perturbed");
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the map is height*width long and finite.</summary>
    public static void Single(ReadOnlySpan<float> map, int height, int width, string what = "saliency")
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"Map size {height}x{width} is not valid: height and width must be positive.");
        if ((long)height * width != map.Length)
            throw new ArgumentException($"The {what} map has {map.Length} values but height*width = {height}*{width} = {(long)height * width}; pass the map's own height and width.");
        for (int i = 0; i < map.Length; i++)
            if (!float.IsFinite(map[i]))
                throw new ArgumentException($"The {what} map holds {map[i]} at index {i}; maps must be finite (check the explanation that produced it).");
    }

    /// <summary>True when every value equals the first (a map that orders no pixel above another).</summary>
    public static bool IsConstant(ReadOnlySpan<float> map)
    {
        for (int i = 1; i < map.Length; i++)
            if (map[i] != map[0]) return false;
        return true;
    }

    /// <summary>
    /// The documented value of a correlation when at least one map is constant (its variance is zero, so the
    /// coefficient is 0/0): 1 when both are constant (their rankings are identical: every pair tied in both),
    /// 0 when exactly one is (the constant map carries no ordering, so no association can be measured).
    /// Returns null when neither map is constant and the coefficient is defined.
    /// </summary>
    public static double? ConstantCase(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed)
    {
        bool c0 = IsConstant(clean), c1 = IsConstant(perturbed);
        if (c0 && c1) return 1.0;
        if (c0 || c1) return 0.0;
        return null;
    }

    /// <summary>The map widened to float64 (MathNet's statistics take doubles).</summary>
    public static double[] ToDouble(ReadOnlySpan<float> map)
    {
        var d = new double[map.Length];
        for (int i = 0; i < d.Length; i++) d[i] = map[i];
        return d;
    }
}
