using Fragility.Data;
using Fragility.IO;
using Fragility.Reporting;
using TorchSharp;

namespace Fragility.Serve;

/// <summary>The downloads of a finished attack, as <c>fragility attack</c> writes them: the perturbed image as PNG
/// (the model's size; 8 bits, so rounded) and as exact float32 .npy [C, H, W], both maps as .npy [H, W] and as
/// pictures on one colour scale, the magnified difference and the before/after strip.</summary>
internal static class AttackFiles
{
    /// <summary>The file names on offer.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["perturbed.png", "perturbed.npy", "clean-map.png", "clean-map.npy", "perturbed-map.png", "perturbed-map.npy", "difference.png", "compare.png"];

    /// <summary>The bytes and media type of <paramref name="name"/>.</summary>
    /// <exception cref="ServeException">404 for another name, 409 while the attack has no result.</exception>
    public static (byte[] Bytes, string ContentType) Make(AttackJob job, string name)
    {
        if (!Names.Contains(name)) throw new ServeException(404, $"Unknown file '{name}': choose one of {string.Join(", ", Names)}.");
        var f = job.Final ?? throw new ServeException(409, "The attack has no result (yet): wait until it is done.");
        var image = job.Image;
        int c = image.Channels, h = image.Height, w = image.Width;
        var marks = AttackRunner.SharedMarks(f, h, w);
        int scale = HeatmapRenderer.AutoScale(h, w);
        return name switch
        {
            "perturbed.png" => (PngOf(f.Perturbed, c, h, w), "image/png"),
            "perturbed.npy" => (Npy(f.Perturbed, c, h, w), "application/octet-stream"),
            "clean-map.png" => (HeatmapRenderer.RenderOverlay(image.Pixels, c, h, w, f.CleanMap, marks), "image/png"),
            "clean-map.npy" => (Npy(f.CleanMap, h, w), "application/octet-stream"),
            "perturbed-map.png" => (HeatmapRenderer.RenderOverlay(f.Perturbed, c, h, w, f.PerturbedMap, marks), "image/png"),
            "perturbed-map.npy" => (Npy(f.PerturbedMap, h, w), "application/octet-stream"),
            "difference.png" => (HeatmapRenderer.RenderPerturbation(image.Pixels, f.Perturbed, c, h, w, scale), "image/png"),
            _ => (HeatmapRenderer.RenderBeforeAfter(image.Pixels, f.Perturbed, c, h, w, f.CleanMap, f.PerturbedMap, marks), "image/png"),
        };
    }

    /// <summary>A float32 array as .npy bytes (<see cref="NpyFile"/>).</summary>
    public static byte[] Npy(float[] values, params int[] shape)
    {
        using var stream = new MemoryStream();
        NpyFile.FromSingle(values, shape).Write(stream);
        return stream.ToArray();
    }

    private static byte[] PngOf(float[] pixels, int c, int h, int w)
    {
        using var t = torch.tensor(pixels, [c, h, w]);
        return ImageCodec.EncodePng(t);
    }
}
