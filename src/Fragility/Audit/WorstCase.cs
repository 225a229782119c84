namespace Fragility.Audit;

/// <summary>The image whose map a method's attack moved most at the largest epsilon, drawn before and after.</summary>
/// <param name="Method">The method.</param>
/// <param name="Image">Data-set index of the image.</param>
/// <param name="Item">The image's name (file name, or test:INDEX).</param>
/// <param name="Attack">The attack that moved it most.</param>
/// <param name="TopK">Top-k intersection after that attack.</param>
/// <param name="Picture">The before/after picture, relative to the audit folder (null when its arrays were not kept).</param>
public sealed record WorstCase(string Method, int Image, string Item, string Attack, double TopK, string? Picture);
