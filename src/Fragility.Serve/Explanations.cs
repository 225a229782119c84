using Fragility.Attribution;
using Fragility.Data;
using Fragility.Models;
using Fragility.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Serve;

/// <summary>What the page shows of an image: the prediction with every class's confidence and the clean map of
/// every method, computed as <c>fragility explain</c> computes them (the predicted class, the ReLU network,
/// <see cref="SaliencyMaps.FromAttribution"/>). Runs on the model's worker.</summary>
internal static class Explanations
{
    /// <summary>Explains the single image of <paramref name="data"/> (checked against the model's geometry first,
    /// so that no tensor of the wrong shape reaches libtorch).</summary>
    public static ServeImage Explain(LoadedModel model, ImageDataset data, string id, string name)
    {
        var classifier = model.Classifier;
        var p = classifier.Metadata.Preprocessing;
        if (data.Count != 1 || data.ImageShape != (p.Channels, p.Height, p.Width))
            throw new FragilityException($"The image is {data.ImageShape.Channels}x{data.ImageShape.Height}x{data.ImageShape.Width} but the model expects {p.Channels}x{p.Height}x{p.Width}: choose a data set the model was trained for.");
        var notes = InputChecks.Notes(classifier, data);
        using var relu = classifier.UseRelu();
        var x = data.Images;
        float[] probabilities;
        using (torch.no_grad())
            probabilities = nn.functional.softmax(classifier.forward(x), 1)[0].to(ScalarType.Float32).cpu().data<float>().ToArray();
        long label = Array.IndexOf(probabilities, probabilities.Max());
        using var target = torch.tensor(new[] { label }, dtype: ScalarType.Int64);
        var maps = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (string method in AttributionMethods.Names)
        {
            using var scope = torch.NewDisposeScope();
            maps[method] = SaliencyMaps.FromAttribution(model.Method(method).Attribute(classifier, x, target))[0].detach().cpu().data<float>().ToArray();
        }
        return new ServeImage(id, model.Name, name, x[0].cpu().data<float>().ToArray(), p.Channels, p.Height, p.Width, label,
            probabilities, classifier.Metadata.ClassNames, maps, notes);
    }

    /// <summary>The JSON the page draws: prediction, top classes, the image and every map over it (PNG data URLs).</summary>
    public static object Describe(ServeImage image)
    {
        var marks = HeatmapRenderer.MarkedOptions(image.Height, image.Width);
        return new
        {
            id = image.Id,
            model = image.Model,
            name = image.Name,
            notes = image.Notes,
            label = image.Label,
            labelName = image.ClassName(image.Label),
            confidence = image.Probabilities[image.Label],
            top = image.Probabilities.Select((prob, i) => new { label = i, name = image.ClassName(i), p = prob })
                .OrderByDescending(t => t.p).Take(5).ToArray(),
            k = marks.TopK,
            image = Png.DataUrl(HeatmapRenderer.RenderImage(image.Pixels, image.Channels, image.Height, image.Width, scale: 0)),
            maps = image.Maps.Select(kv => new
            {
                method = kv.Key,
                png = Png.DataUrl(HeatmapRenderer.RenderOverlay(image.Pixels, image.Channels, image.Height, image.Width, kv.Value, marks)),
            }).ToArray(),
        };
    }
}
