using System.Globalization;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// The target region T of the targeted attack: a rectangle of pixels or a mask image. Rectangles are half-open like
/// array slices: "row0,col0,row1,col1" covers rows row0..row1-1 and columns col0..col1-1, counted from 0 at the
/// top-left ("0,0,8,8" is the 8x8 top-left corner). A mask PNG must have the model's input size; a pixel is in T
/// when any of its colour channels is non-zero.
/// </summary>
public sealed class TargetRegion
{
    private readonly Func<int, int, bool[]> _build;

    private TargetRegion(string description, Func<int, int, bool[]> build)
    {
        Description = description;
        _build = build;
    }

    /// <summary>What the region is, for result files ("rows 0-7, cols 0-7" or the mask path).</summary>
    public string Description { get; }

    /// <summary>Parses "row0,col0,row1,col1" (half-open; rows row0..row1-1, columns col0..col1-1).</summary>
    public static TargetRegion FromRectangle(string spec)
    {
        var parts = spec.Split(',', StringSplitOptions.TrimEntries);
        var v = new int[4];
        if (parts.Length != 4 || parts.Where((p, i) => !int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out v[i])).Any())
            throw new FragilityException($"--target-region '{spec}' is not four whole numbers row0,col0,row1,col1 (e.g. 0,0,8,8 for the 8x8 top-left corner).");
        int r0 = v[0], c0 = v[1], r1 = v[2], c1 = v[3];
        if (r0 < 0 || c0 < 0 || r0 >= r1 || c0 >= c1)
            throw new FragilityException($"--target-region '{spec}' is empty or negative: need 0 <= row0 < row1 and 0 <= col0 < col1 (row1 and col1 are exclusive).");
        return new TargetRegion($"rows {r0}-{r1 - 1}, cols {c0}-{c1 - 1}", (h, w) =>
        {
            if (r1 > h || c1 > w)
                throw new FragilityException($"--target-region '{spec}' reaches outside the {h}x{w} image: row1 must be <= {h} and col1 <= {w}.");
            var mask = new bool[h * w];
            for (int r = r0; r < r1; r++)
                for (int c = c0; c < c1; c++) mask[r * w + c] = true;
            return mask;
        });
    }

    /// <summary>Reads a mask image (PNG or another format Skia decodes); non-zero pixels are in T.</summary>
    public static TargetRegion FromMaskImage(string path)
    {
        if (!File.Exists(path))
            throw new FragilityException($"--target-mask '{path}' does not exist: give a PNG of the input size whose non-zero pixels mark the target region.");
        return new TargetRegion(path, (h, w) =>
        {
            // Decoded here rather than by ImageCodec: a mask needs its exact size and any non-zero channel, not a
            // cropped luminance image.
            using var bitmap = SKBitmap.Decode(path)
                ?? throw new FragilityException($"--target-mask '{path}' is not a readable image: give a PNG of {w}x{h} pixels.");
            if (bitmap.Width != w || bitmap.Height != h)
                throw new FragilityException($"--target-mask '{path}' is {bitmap.Width}x{bitmap.Height} (width x height) but the model takes {w}x{h} images: give a mask of that size.");
            var mask = new bool[h * w];
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                {
                    var px = bitmap.GetPixel(c, r);
                    mask[r * w + c] = px.Red != 0 || px.Green != 0 || px.Blue != 0;
                }
            return mask;
        });
    }

    /// <summary>The region as a boolean mask [H, W] for maps of <paramref name="height"/> x <paramref name="width"/>;
    /// a <see cref="FragilityException"/> when it does not fit or is empty.</summary>
    /// <param name="height">Map height.</param>
    /// <param name="width">Map width.</param>
    /// <param name="device">Device of the mask, that of the maps it selects from (default: libtorch's default device).</param>
    public Tensor ToMask(int height, int width, Device? device = null)
    {
        var mask = _build(height, width);
        if (!mask.Any(b => b))
            throw new FragilityException($"The target region ({Description}) holds no pixel: mark at least one pixel.");
        return torch.tensor(mask, new long[] { height, width }, device: device);
    }
}
