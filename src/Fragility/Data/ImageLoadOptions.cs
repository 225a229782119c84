namespace Fragility.Data;

/// <summary>
/// The geometry images from files are brought to: first, if <see cref="ResizeShorter"/> is given, the image is
/// resized (keeping its aspect ratio) so that its shorter side is that many pixels; then the central
/// <see cref="Height"/> x <see cref="Width"/> region is cut out (the usual ImageNet "resize 256, centre-crop 224").
/// Without <see cref="ResizeShorter"/> the image must be at least <see cref="Height"/> x <see cref="Width"/> and is only
/// centre-cropped. Values are checked on construction (so the properties have no init accessors).
/// </summary>
/// <param name="Channels">1 for grey (luminance 0.299 R + 0.587 G + 0.114 B, as in ITU-R BT.601) or 3 for RGB. Alpha is dropped.</param>
/// <param name="Height">Height of the result in pixels.</param>
/// <param name="Width">Width of the result in pixels.</param>
/// <param name="ResizeShorter">Length in pixels of the shorter side after resizing, or null for no resizing.</param>
public sealed record ImageLoadOptions(int Channels, int Height, int Width, int? ResizeShorter = null)
{
    /// <summary>1 for grey or 3 for RGB.</summary>
    public int Channels { get; } = Channels is 1 or 3
        ? Channels
        : throw new FragilityException($"Images can have 1 (grey) or 3 (RGB) channels, not {Channels}: choose 1 or 3.");

    /// <summary>Height of the result in pixels (positive).</summary>
    public int Height { get; } = Height > 0
        ? Height
        : throw new FragilityException($"Image height must be positive, got {Height}: give a positive height.");

    /// <summary>Width of the result in pixels (positive).</summary>
    public int Width { get; } = Width > 0
        ? Width
        : throw new FragilityException($"Image width must be positive, got {Width}: give a positive width.");

    /// <summary>Length in pixels of the shorter side after resizing (at least the larger of height and width), or null for no resizing.</summary>
    public int? ResizeShorter { get; } = ResizeShorter is null || ResizeShorter >= Math.Max(Height, Width)
        ? ResizeShorter
        : throw new FragilityException(
            $"Resize size {ResizeShorter} is smaller than the {Height}x{Width} crop: give a resize size of at least {Math.Max(Height, Width)}.");

    /// <summary>The ImageNet convention: RGB, shorter side resized to 256, centre crop 224 x 224.</summary>
    public static ImageLoadOptions ImageNet { get; } = new(3, 224, 224, 256);

    /// <summary>Number of values of one image, Channels x Height x Width.</summary>
    public int ValuesPerImage => Channels * Height * Width;
}
