using System.Globalization;
using System.Text.Json.Nodes;
using Fragility.Data;
using Fragility.Reporting;

namespace Fragility.Influence;

/// <summary>
/// The influence part of an HTML report: what was measured, the head, the summary table, the figure, and before/after
/// galleries (clean test image with its top helpful training points, then the perturbed image of each attack at the
/// largest epsilon with its new top helpful points). An <see cref="IReportSection"/>: add it to a sweep's
/// <see cref="HtmlReport.Sections"/>, or write it alone with <see cref="InfluenceReport"/>.
/// </summary>
public sealed class InfluenceReportSection : IReportSection
{
    private readonly InfluenceSetup _setup;
    private readonly IReadOnlyList<InfluenceAttackRecord> _records;
    private readonly IReadOnlyList<InfluenceSummaryRow> _summary;
    private readonly string _runDir;
    private readonly int _galleryTests;
    private readonly JsonObject _run;

    /// <summary>Creates the section for a finished run folder.</summary>
    public InfluenceReportSection(InfluenceSetup setup, IReadOnlyList<InfluenceAttackRecord> records, IReadOnlyList<InfluenceSummaryRow> summary,
        string runDir, int galleryTests, JsonObject run)
    {
        _setup = setup; _records = records; _summary = summary; _runDir = runDir; _galleryTests = galleryTests; _run = run;
    }

    /// <inheritdoc />
    public string Title => "Influence functions: fragility of exemplar explanations";

    /// <inheritdoc />
    public void WriteBody(HtmlBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var s = _setup;
        html.Paragraph($"Exemplar explanations (Koh and Liang 2017) of a {(s.Head.Outputs == 1 ? "logistic-regression" : "softmax")} head on the features phi(x) = input of " +
              $"{s.Features.LastLayerName} ({s.Features.Dimension} values) of the frozen {s.Model.Metadata.Architecture}, classes {string.Join(" vs ", s.ClassNames)}, " +
              $"trained by Newton's method on {s.TrainingCount} images (first {s.Settings.TrainPerClass} per class) with lambda = {s.Settings.L2.ToString(CultureInfo.InvariantCulture)}: " +
              $"train accuracy {s.TrainAccuracy.ToString("P1", CultureInfo.InvariantCulture)}, test accuracy {s.TestAccuracy.ToString("P1", CultureInfo.InvariantCulture)} on {s.TestImageCount} test images. " +
              "I(z_i, z_t) = -grad L(z_t)^T H^-1 grad L(z_i); helpful training points have I < 0 (removing z_i changes the test loss by about -(1/n) I). " +
              "The attacks perturb the test image (epsilon in 0-255 units) to make its current top-3 helpful points less helpful, with network, head, Hessian and training set fixed; " +
              "'raw' sums their influence, 'normalized' sums it on the influence vector scaled to unit length; the random baseline adds epsilon * sign(noise). " +
              "Spearman compares the whole influence vectors before and after; top-k kept counts the original top-k helpful points still in the top k.");
        if (_run["command"] is JsonValue command && command.TryGetValue(out string? text)) html.Preformatted(text);
        int k = _summary.Count > 0 ? _summary[0].K : 5;
        html.Table(["attack", "ε", "tests", "Spearman mean", "± std", $"top-{k} kept", "± std", "head label kept", "network label kept", "L∞", "angle ∇L vs ∇D (°)", "Δp(label)", "failures"],
            _summary.Select(r => (IReadOnlyList<string>)[r.Attack, N(r.Epsilon, "G4"), r.Tests.ToString(CultureInfo.InvariantCulture), N(r.SpearmanMean, "F3"), N(r.SpearmanStd, "F3"),
                N(r.TopKeptMean, "F2"), N(r.TopKeptStd, "F2"), N(r.LabelKeptRate, "P0"), N(r.NetworkLabelKeptRate, "P0"), N(r.LinfMean, "F2"),
                N(r.AngleGradientMean, "F1"), Signed(r.ProbabilityChangeMean), r.Failures.ToString(CultureInfo.InvariantCulture)]));
        string figure = Path.Combine(_runDir, InfluenceAttackFigure.FileName);
        if (File.Exists(figure))
            html.Image(File.ReadAllBytes(figure), "Spearman and top-k kept against epsilon", "Mean over test points (error bars: sample standard deviation); random baseline dashed.");
        WriteGalleries(html);
    }

    private void WriteGalleries(HtmlBuilder html)
    {
        var galleries = Galleries();
        if (galleries.Count == 0) return;
        html.Heading($"Before and after, epsilon = {_summary.Max(r => r.Epsilon).ToString(CultureInfo.InvariantCulture)}");
        foreach (var (_, caption, png) in galleries) html.Image(png, caption, caption);
    }

    /// <summary>
    /// The before/after galleries at the largest epsilon, one PNG per gallery test point (the first
    /// <c>galleryTests</c>): the clean image with its top helpful training points, then each attack's perturbed image
    /// with its new top helpful points. Names are "influence-gallery-&lt;test&gt;.png".
    /// </summary>
    public IReadOnlyList<(string Name, string Caption, byte[] Png)> Galleries()
    {
        var result = new List<(string, string, byte[])>();
        if (_galleryTests <= 0 || _summary.Count == 0) return result;
        double eps = _summary.Max(r => r.Epsilon);
        var position = _setup.TrainIndices.Select((idx, pos) => (idx, pos)).ToDictionary(p => p.idx, p => p.pos);
        var (c, h, w) = _setup.TrainImages.ImageShape;
        var points = _setup.DefaultTestPoints();
        for (int t = 0; t < Math.Min(_galleryTests, points.Count); t++)
        {
            var test = points[t];
            var records = _records.Where(r => r.Test == test.DatasetIndex && r.Epsilon == eps).ToList();
            if (records.Count == 0) continue;
            var first = records[0];
            var rows = new List<(string?, IReadOnlyList<GalleryTile>)>
            {
                ($"clean {test.Id} ({_setup.ClassNames[test.Label]}, p = {P3(first.ProbabilityBefore)}): top-{first.K} helpful",
                    [new GalleryTile(test.Pixels, c, h, w, test.Id, "clean"),
                     .. first.TopBefore.Select((idx, j) => Tile(position[idx], first.TopBeforeValues[j]))]),
            };
            foreach (var r in records)
            {
                string path = InfluenceAttackSweep.PerturbedPath(_runDir, r.Attack, r.Epsilon, r.Test);
                if (!File.Exists(path)) continue;
                using var img = ImageCodec.Load(path, new ImageLoadOptions(c, h, w));
                var pixels = img.cpu().data<float>().ToArray();
                rows.Add(($"{r.Attack}: Spearman {P3(r.Spearman)}, top-{r.K} kept {r.TopKept}, head label {(r.HeadLabelKept ? "kept" : "changed")}, p = {P3(r.ProbabilityAfter)}",
                    [new GalleryTile(pixels, c, h, w, test.Id, "L∞ " + r.Linf.ToString("F1", CultureInfo.InvariantCulture)),
                     .. r.TopAfter.Select((idx, j) => Tile(position[idx], r.TopAfterValues[j]))]));
            }
            result.Add(($"influence-gallery-{InfluenceOutputs.SafeName(test.Id)}.png",
                $"{test.Id} at epsilon {eps.ToString(CultureInfo.InvariantCulture)}: the clean image and its top helpful training points, then each attack's perturbed image and its new top helpful points.",
                InfluenceGallery.Render(rows, 2)));
        }
        return result;
    }

    private GalleryTile Tile(int position, double value) => InfluenceOutputs.TrainTile(_setup, position, value, -1);

    private static string P3(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static string Signed(double v) => double.IsFinite(v) ? (v >= 0 ? "+" : "") + v.ToString("F3", CultureInfo.InvariantCulture) : "—";

    private static string N(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";
}
