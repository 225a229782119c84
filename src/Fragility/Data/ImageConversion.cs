namespace Fragility.Data;

/// <summary>What decoding did to one image file on its way to the model's geometry, so that commands can say it
/// (or, with <c>--strict</c>, refuse it) instead of converting silently.</summary>
/// <param name="Width">Width of the file's image in pixels.</param>
/// <param name="Height">Height of the file's image in pixels.</param>
/// <param name="ToGrey">A colour image was turned into grey (luminance).</param>
/// <param name="ResizedWidth">Width after resizing (equal to <paramref name="Width"/> when not resized).</param>
/// <param name="ResizedHeight">Height after resizing.</param>
/// <param name="CropWidth">Width of the centre crop given to the model.</param>
/// <param name="CropHeight">Height of the centre crop.</param>
public readonly record struct ImageConversion(int Width, int Height, bool ToGrey, int ResizedWidth, int ResizedHeight, int CropWidth, int CropHeight)
{
    /// <summary>The image was resized.</summary>
    public bool Resized => ResizedWidth != Width || ResizedHeight != Height;

    /// <summary>Part of the (resized) image was cut away.</summary>
    public bool Cropped => CropWidth != ResizedWidth || CropHeight != ResizedHeight;

    /// <summary>Anything changed besides the pixel scale.</summary>
    public bool Changed => ToGrey || Resized || Cropped;

    /// <summary>"100x80 colour image: turned grey, resized to 35x28, centre-cropped to 28x28"; empty when unchanged.</summary>
    public string Describe()
    {
        if (!Changed) return "";
        var steps = new List<string>();
        if (ToGrey) steps.Add("turned grey");
        if (Resized) steps.Add($"resized to {ResizedWidth}x{ResizedHeight}");
        if (Cropped) steps.Add($"centre-cropped to {CropWidth}x{CropHeight}");
        return $"{Width}x{Height}{(ToGrey ? " colour" : "")} image: {string.Join(", ", steps)}";
    }
}
