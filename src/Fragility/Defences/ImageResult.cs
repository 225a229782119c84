namespace Fragility.Defences;

/// <summary>One attacked image's metrics in one row of the defence table (written to per_image.csv).</summary>
/// <param name="Image">Test-split index of the image.</param>
/// <param name="Attack">"topk", "mass_center", "random", or "transfer_topk" / "transfer_mass_center" (the undefended
/// map's attack evaluated on the defended map), or "clean" for the faithfulness values.</param>
/// <param name="Epsilon">Epsilon on the 0-255 scale (0 for "clean").</param>
/// <param name="TopK">Top-k intersection with the clean map.</param>
/// <param name="Spearman">Spearman rank correlation with the clean map.</param>
/// <param name="CenterShift">Centre-of-mass shift in pixels.</param>
/// <param name="Failed">True when the attack found no perturbation keeping the label.</param>
/// <param name="Deletion">Deletion AUC ("clean" only, else NaN).</param>
/// <param name="Insertion">Insertion AUC ("clean" only, else NaN).</param>
/// <param name="Randomisation">Spearman correlation of the trained and randomised models' maps ("clean" only, else NaN).</param>
public sealed record ImageResult(int Image, string Attack, double Epsilon, double TopK, double Spearman, double CenterShift, bool Failed,
    double Deletion = double.NaN, double Insertion = double.NaN, double Randomisation = double.NaN);
