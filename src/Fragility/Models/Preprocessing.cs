using Fragility.Data;

namespace Fragility.Models;

/// <summary>
/// How raw images become model input: channel count, geometry (optional resize of the shorter side, then a
/// centre crop) and the per-channel normalisation the model applies internally to pixel-scale [0, 1] input.
/// </summary>
public sealed record Preprocessing
{
    /// <summary>Input channels (1 grey, 3 RGB).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Input height in pixels.</summary>
    public int Height { get; init; } = 28;

    /// <summary>Input width in pixels.</summary>
    public int Width { get; init; } = 28;

    /// <summary>Resize the shorter image side to this many pixels before cropping (null: no resize).</summary>
    public int? ResizeShorter { get; init; }

    /// <summary>Per-channel mean (pixel scale) subtracted by the model.</summary>
    public double[] Mean { get; init; } = [0.0];

    /// <summary>Per-channel standard deviation (pixel scale) divided by the model.</summary>
    public double[] Std { get; init; } = [1.0];

    /// <summary>True when the model normalises with a data set's statistics (a preset), so that <see cref="Mean"/> is a
    /// training set's per-channel mean; false for the identity normalisation, which says nothing about the data.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasDataStatistics => Mean.Any(m => m != 0.0) || Std.Any(s => s != 1.0);

    /// <summary>How image files are brought to this geometry (resize of the shorter side, then a centre crop).</summary>
    public ImageLoadOptions LoadOptions() => new(Channels, Height, Width, ResizeShorter ?? Math.Max(Height, Width));

    /// <summary>torchvision's ImageNet preprocessing: RGB, resize 256, centre crop 224, ImageNet mean/std.</summary>
    public static Preprocessing ImageNet { get; } = new()
    {
        Channels = 3, Height = 224, Width = 224, ResizeShorter = 256,
        Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225],
    };

    /// <summary>Identity normalisation for the given geometry.</summary>
    public static Preprocessing Plain(int channels, int height, int width) => new()
    {
        Channels = channels, Height = height, Width = width,
        Mean = Enumerable.Repeat(0.0, channels).ToArray(), Std = Enumerable.Repeat(1.0, channels).ToArray(),
    };
}
