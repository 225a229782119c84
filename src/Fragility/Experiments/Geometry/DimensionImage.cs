namespace Fragility.Experiments.Geometry;

/// <summary>One image at one input size of a <see cref="DimensionResult"/>.</summary>
/// <param name="Size">Input side in pixels.</param>
/// <param name="Image">Index of the image in the data set's test split.</param>
/// <param name="TopK">Top-k intersection after the top-k attack.</param>
/// <param name="Spearman">Spearman correlation after the top-k attack.</param>
/// <param name="CenterShift">Centre-of-mass shift after the top-k attack, in pixels.</param>
/// <param name="LabelKept">Whether the top-k attack kept the label.</param>
/// <param name="RandomTopK">Top-k intersection after random sign noise.</param>
/// <param name="RandomSpearman">Spearman correlation after random sign noise.</param>
public sealed record DimensionImage(int Size, int Image, double TopK, double Spearman, double CenterShift, bool LabelKept, double RandomTopK, double RandomSpearman);
