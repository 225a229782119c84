using System.Globalization;
using Fragility.Models;
using TorchSharp;

namespace Fragility.Attribution;

/// <summary>
/// Chooses a method's reference (baseline) by name, with the defaults of method.md §2: the per-pixel mean image of
/// the training set for small images (stored in the model's metadata by <c>fragility train</c>), the per-channel mean
/// for ImageNet-sized images (larger than 64 pixels a side).
/// </summary>
public static class References
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mean", "pixel-mean", "channel-mean", "zero", "blur", "blur:SIGMA"];

    /// <summary>
    /// The reference named <paramref name="spec"/> for <paramref name="model"/>: "mean" (default: per-pixel mean for
    /// small images, per-channel mean for large), "pixel-mean", "channel-mean", "zero", "blur" (Gaussian blur, sigma
    /// 2 pixels) or "blur:SIGMA" (sigma in pixels).
    /// </summary>
    public static IReference Create(Classifier model, string? spec = "mean")
    {
        var p = model.Metadata.Preprocessing;
        string s = (spec ?? "mean").Trim().ToLowerInvariant();
        bool small = p.Height <= 64 && p.Width <= 64;
        switch (s)
        {
            case "mean":
                return small && model.Metadata.ReferenceMean is not null ? PixelMean(model) : ChannelMean(model);
            case "pixel-mean":
                return PixelMean(model);
            case "channel-mean":
                return ChannelMean(model);
            case "zero":
                return ZeroReference.Instance;
            case "blur":
                return new BlurredReference(2.0);
        }
        if (s.StartsWith("blur:", StringComparison.Ordinal) &&
            double.TryParse(s[5..], NumberStyles.Float, CultureInfo.InvariantCulture, out double sigma) && sigma > 0)
            return new BlurredReference(sigma);
        throw new FragilityException($"Unknown reference '{spec}'. Use one of: {string.Join(", ", Names)}.");
    }

    private static MeanImageReference PixelMean(Classifier model)
    {
        var p = model.Metadata.Preprocessing;
        var mean = model.Metadata.ReferenceMean
            ?? throw new FragilityException("This model has no per-pixel mean image in its metadata (models made by 'fragility train' have one). Use --reference channel-mean, zero or blur.");
        if (mean.Length != p.Channels * p.Height * p.Width)
            throw new FragilityException($"The model's stored mean image has {mean.Length} values, not {p.Channels}x{p.Height}x{p.Width}; re-train or use --reference channel-mean.");
        return new MeanImageReference(torch.tensor(mean, [p.Channels, p.Height, p.Width]));
    }

    private static MeanImageReference ChannelMean(Classifier model)
    {
        var p = model.Metadata.Preprocessing;
        return new MeanImageReference(torch.tensor(p.Mean.Select(v => (float)v).ToArray(), [p.Channels, 1, 1]));
    }
}
