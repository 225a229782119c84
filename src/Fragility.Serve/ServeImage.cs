namespace Fragility.Serve;

/// <summary>One image brought into a model's geometry, with the model's prediction and the clean map of every
/// method (flat float arrays, C order, as the .npy files hold them).</summary>
internal sealed record ServeImage(
    string Id,
    string Model,
    string Name,
    float[] Pixels,
    int Channels,
    int Height,
    int Width,
    long Label,
    float[] Probabilities,
    IReadOnlyList<string> ClassNames,
    IReadOnlyDictionary<string, float[]> Maps,
    IReadOnlyList<string> Notes)
{
    /// <summary>The class name of <paramref name="label"/>, or its number when the model has no names.</summary>
    public string ClassName(long label) => label >= 0 && label < ClassNames.Count ? ClassNames[(int)label] : label.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
