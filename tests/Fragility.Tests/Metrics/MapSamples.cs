namespace Fragility.Tests.Metrics;

/// <summary>Random maps for the metric tests.</summary>
internal static class MapSamples
{
    /// <summary>A non-negative map whose values take only <paramref name="levels"/> distinct values (many ties).</summary>
    public static float[] WithTies(Random rng, int length, int levels)
    {
        var m = new float[length];
        for (int i = 0; i < length; i++) m[i] = rng.Next(levels) / (float)levels;
        return m;
    }

    /// <summary>A non-negative map of continuous values (ties unlikely).</summary>
    public static float[] Continuous(Random rng, int length)
    {
        var m = new float[length];
        for (int i = 0; i < length; i++) m[i] = (float)rng.NextDouble();
        return m;
    }
}
