using System.Globalization;
using Fragility.Data;
using Fragility.IO;
using Fragility.Models;
using TorchSharp;

namespace Fragility.Attribution;

/// <summary>
/// Chooses a method's reference (baseline) by name, with the defaults of docs/method.md §2.5: the per-pixel mean image
/// of the training set for small images (up to 64 pixels a side), the per-channel mean for ImageNet-sized ones. A
/// mean is data: the model file records it (<c>fragility train</c>, or <c>fragility import --mean-from</c>), or a
/// preset's normalisation mean stands for the per-channel mean. With no mean known, "mean" is an error that names
/// the fix, never a silent zero image; the returned reference's <see cref="IReference.Name"/> says which was used.
/// </summary>
public static class References
{
    /// <summary>Names accepted by <see cref="Create"/> (FILE: a .npy array or an image file).</summary>
    public static IReadOnlyList<string> Names { get; } = ["mean", "pixel-mean", "channel-mean", "zero", "blur", "blur:SIGMA", "FILE"];

    /// <summary>Images at most this many pixels a side get the per-pixel mean by default, larger ones the per-channel mean.</summary>
    public const int SmallImageSide = 64;

    private const string NoMeanFix = "Record the training images' mean in the model file with 'fragility import ... --mean-from DATA' (a data set name or an image folder), or name a reference: --reference zero, blur, or a FILE (.npy or image).";

    /// <summary>
    /// The reference named <paramref name="spec"/> for <paramref name="model"/>: "mean" (default: per-pixel mean for
    /// small images when recorded, else the per-channel mean), "pixel-mean", "channel-mean", "zero", "blur"
    /// (Gaussian blur, sigma 2 pixels), "blur:SIGMA" (sigma in pixels), or the path of a .npy array ([C,H,W], [H,W]
    /// for one channel, [C] per channel; pixel scale 0-1) or of an image file (brought to the model's geometry).
    /// </summary>
    /// <exception cref="FragilityException">Unknown name, a mean the model does not know, or a bad file.</exception>
    public static IReference Create(Classifier model, string? spec = "mean")
    {
        var p = model.Metadata.Preprocessing;
        string raw = (spec ?? "mean").Trim();
        string s = raw.ToLowerInvariant();
        bool small = p.Height <= SmallImageSide && p.Width <= SmallImageSide;
        switch (s)
        {
            case "mean":
                if (small && model.Metadata.ReferenceMean is not null) return PixelMean(model);
                if (KnowsChannelMean(model)) return ChannelMean(model);
                throw new FragilityException($"This model's training mean is unknown (imported models do not carry one), so the default reference 'mean' cannot be computed. {NoMeanFix}");
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
        if (File.Exists(raw)) return FromFile(model, raw);
        throw new FragilityException($"Unknown reference '{spec}' (and no such file). Use one of: {string.Join(", ", Names)}.");
    }

    private static bool KnowsChannelMean(Classifier model) =>
        model.Metadata.ReferenceChannelMean is not null || model.Metadata.Preprocessing.HasDataStatistics;

    private static MeanImageReference PixelMean(Classifier model)
    {
        var p = model.Metadata.Preprocessing;
        var mean = model.Metadata.ReferenceMean
            ?? throw new FragilityException($"This model has no per-pixel mean image in its file (models made by 'fragility train' have one). {NoMeanFix}");
        if (mean.Length != p.Channels * p.Height * p.Width)
            throw new FragilityException($"The model's stored mean image has {mean.Length} values, not {p.Channels}x{p.Height}x{p.Width}; record it again with 'fragility import --mean-from' or use --reference channel-mean.");
        return new MeanImageReference(torch.tensor(mean, [p.Channels, p.Height, p.Width]), Described("pixel-mean", model.Metadata.ReferenceSource));
    }

    private static MeanImageReference ChannelMean(Classifier model)
    {
        var m = model.Metadata;
        var p = m.Preprocessing;
        if (m.ReferenceChannelMean is { } stored)
        {
            if (stored.Length != p.Channels)
                throw new FragilityException($"The model's stored channel mean has {stored.Length} values for {p.Channels} channels; record it again with 'fragility import --mean-from'.");
            return new MeanImageReference(torch.tensor(stored, [p.Channels, 1, 1]), Described("channel-mean", m.ReferenceSource));
        }
        if (!p.HasDataStatistics)
            throw new FragilityException($"This model's per-channel training mean is unknown (its input is not normalised with a data set's statistics). {NoMeanFix}");
        string values = string.Join(",", p.Mean.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture)));
        return new MeanImageReference(torch.tensor(p.Mean.Select(v => (float)v).ToArray(), [p.Channels, 1, 1]), $"channel-mean({values}, the preprocessing's normalisation mean)");
    }

    private static string Described(string kind, string? source) => source is null ? kind : $"{kind}({source})";

    private static MeanImageReference FromFile(Classifier model, string path)
    {
        var p = model.Metadata.Preprocessing;
        string name = $"file:{Path.GetFileName(path)}";
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            var values = NpyFile.ReadSingle(path, out var shape);
            long[] chw = shape switch
            {
                [var c, var h, var w] => [c, h, w],
                [1, var c, var h, var w] => [c, h, w],
                [var h, var w] when p.Channels == 1 => [1, h, w],
                [var c] => [c, 1, 1],
                _ => throw new FragilityException($"Reference array '{path}' has shape [{string.Join(",", shape)}]; give [C,H,W] = [{p.Channels},{p.Height},{p.Width}] (or [{p.Channels}] per channel), pixel scale 0-1."),
            };
            bool fits = chw[0] == p.Channels && (chw[1] == p.Height && chw[2] == p.Width || chw[1] == 1 && chw[2] == 1);
            if (!fits)
                throw new FragilityException($"Reference array '{path}' is [{string.Join(",", chw)}] but the model takes {p.Channels}x{p.Height}x{p.Width}. Give an array of that shape (or [{p.Channels}] per channel).");
            if (values.Any(v => !float.IsFinite(v) || v < -0.001f || v > 1.001f))
                throw new FragilityException($"Reference array '{path}' has values outside the pixel scale 0-1 (or NaN). Save the reference as images are fed to Fragility: pixel values divided by 255, before normalisation.");
            return new MeanImageReference(torch.tensor(values, chw), name);
        }
        if (ImageCodec.ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
        {
            using var image = ImageCodec.Load(path, p.LoadOptions());
            return new MeanImageReference(image, name);
        }
        throw new FragilityException($"Reference file '{path}' is neither a .npy array nor an image ({string.Join(", ", ImageCodec.ImageExtensions)}). Save it as one of those.");
    }
}
