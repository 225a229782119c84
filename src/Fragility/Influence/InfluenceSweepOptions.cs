namespace Fragility.Influence;

/// <summary>The grid of an influence attack run: attacks x epsilons over the setup's test points.</summary>
public sealed record InfluenceSweepOptions
{
    /// <summary>The attacks (names must differ).</summary>
    public required IReadOnlyList<InfluenceAttackOptions> Attacks { get; init; }

    /// <summary>Epsilons in 0-255 units (default 1, 2, 4, 8).</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = [1, 2, 4, 8];

    /// <summary>Test points attacked together (one batch through the network; results are saved after each batch). Default 50.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>The first this-many test points get before/after galleries in the report (default 4).</summary>
    public int GalleryTests { get; init; } = 4;

    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        if (Attacks.Count == 0) throw new FragilityException("No attacks chosen: give --attacks.");
        foreach (var a in Attacks) a.Validate();
        var dup = Attacks.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new FragilityException($"Attack '{dup.Key}' is listed twice: list each attack once.");
        if (Epsilons.Count == 0) throw new FragilityException("No epsilons given: pass --epsilons, e.g. 1,2,4,8 (0-255 units).");
        if (Epsilons.Any(e => !(e > 0) || !double.IsFinite(e) || e > 255)) throw new FragilityException($"Epsilons must be in (0, 255] (0-255 units), got {string.Join(",", Epsilons)}.");
        if (Epsilons.Distinct().Count() != Epsilons.Count) throw new FragilityException("An epsilon is listed twice: list each once.");
        if (BatchSize < 1) throw new FragilityException($"--batch must be at least 1, got {BatchSize}.");
        if (GalleryTests < 0) throw new FragilityException($"--gallery-tests must be non-negative, got {GalleryTests}.");
    }
}
