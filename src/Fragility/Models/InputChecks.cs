using System.Globalization;
using Fragility.Data;

namespace Fragility.Models;

/// <summary>
/// What happened to a user's image files on their way into a model, in one line each: conversions (colour to grey,
/// resize, centre crop) and a background far from the training images' (a white-background photo fed to a model
/// trained on dark backgrounds, say). Commands print these notes, or refuse the input under <c>--strict</c>.
/// </summary>
public static class InputChecks
{
    /// <summary>Border brightness differences (pixel scale 0-1) above this are reported: half the scale means
    /// the image's background is nearer the opposite end than the training images'.</summary>
    public const double BackgroundTolerance = 0.5;

    /// <summary>One note per kind of conversion (with how many images it concerns) and one for backgrounds far from
    /// the training mean image's; empty when the images went in unchanged.</summary>
    public static IReadOnlyList<string> Notes(Classifier model, ImageDataset images)
    {
        var notes = new List<string>();
        if (images.Conversions is { } conversions)
            foreach (var group in conversions.Where(c => c.Changed).GroupBy(c => c.Describe()))
                notes.Add($"{Count(group.Count(), images.Count)} converted on the way in: {group.Key}");
        var background = FarBackgrounds(model, images);
        if (background is { } b)
            notes.Add($"{Count(b.Count, images.Count)} {(b.Count == 1 ? "has" : "have")} a background (border mean {F(b.Image)}) far from the training images' ({F(b.Training)}): " +
                "inverted or from another domain? The map explains what the model does with such an input, which may not be what it does in use");
        return notes;
    }

    /// <summary>The refusal of <c>--strict</c> for images <see cref="Notes"/> said <paramref name="note"/> about.</summary>
    public static FragilityException Refusal(Classifier model, string note)
    {
        var p = model.Metadata.Preprocessing;
        return new FragilityException($"--strict: {note}. Give {(p.Channels == 1 ? "grey" : "RGB")} images of {p.Width}x{p.Height} like the training data, or drop --strict to accept the conversion.");
    }

    private static string Count(int n, int of) => n == of && of == 1 ? "the image" : $"{n} of {of} images";

    private static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    // Border = the outer ring of pixels, one tenth of the side wide (at least one): where a centred object's
    // background is. Compared with the same ring of the training mean image, known for small images.
    private static (int Count, double Image, double Training)? FarBackgrounds(Classifier model, ImageDataset images)
    {
        var m = model.Metadata;
        var p = m.Preprocessing;
        if (m.ReferenceMean is not { } mean || mean.Length != p.Channels * p.Height * p.Width || images.Conversions is null) return null;
        var (c, h, w) = images.ImageShape;
        if (c != p.Channels || h != p.Height || w != p.Width) return null;
        int ring = Math.Max(1, Math.Min(h, w) / 10);
        double training = Border(mean, c, h, w, ring);
        float[] values;
        using (var pixels = images.Images.contiguous()) values = pixels.cpu().data<float>().ToArray();
        int size = c * h * w, far = 0;
        double sum = 0;
        for (int n = 0; n < images.Count; n++)
        {
            double border = Border(values.AsSpan(n * size, size), c, h, w, ring);
            if (Math.Abs(border - training) > BackgroundTolerance) { far++; sum += border; }
        }
        return far == 0 ? null : (far, sum / far, training);
    }

    private static double Border(ReadOnlySpan<float> chw, int c, int h, int w, int ring)
    {
        double sum = 0;
        int count = 0;
        for (int k = 0; k < c; k++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (y < ring || y >= h - ring || x < ring || x >= w - ring) { sum += chw[(k * h + y) * w + x]; count++; }
        return sum / count;
    }
}
