namespace Fragility.Experiments;

/// <summary>One cell of a sweep: an input (by data-set index) x method x attack x epsilon (0-255 scale).</summary>
/// <param name="Image">Index of the input in the data set's test split.</param>
/// <param name="Method">Attribution method name.</param>
/// <param name="Attack">Attack name.</param>
/// <param name="Epsilon">Epsilon in pixel units of the 0-255 scale.</param>
public readonly record struct SweepCell(int Image, string Method, string Attack, double Epsilon);
