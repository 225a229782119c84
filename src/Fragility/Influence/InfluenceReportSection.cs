using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Fragility.Data;

namespace Fragility.Influence;

/// <summary>
/// The influence part of an HTML report: what was measured, the head, the summary table, the figure, and before/after
/// galleries (clean test image with its top helpful training points, then the perturbed image of each attack at the
/// largest epsilon with its new top helpful points). Self-contained: images are embedded as PNG data URIs and every
/// text is HTML-escaped.
/// </summary>
public sealed class InfluenceReportSection
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

    /// <summary>Section title.</summary>
    public string Title => "Influence functions: fragility of exemplar explanations";

    /// <summary>The body HTML (below the heading).</summary>
    public string BodyHtml()
    {
        var sb = new StringBuilder();
        var s = _setup;
        P(sb, $"Exemplar explanations (Koh and Liang 2017) of a {(s.Head.Outputs == 1 ? "logistic-regression" : "softmax")} head on the features phi(x) = input of " +
              $"{s.Features.LastLayerName} ({s.Features.Dimension} values) of the frozen {s.Model.Metadata.Architecture}, classes {string.Join(" vs ", s.ClassNames)}, " +
              $"trained by Newton's method on {s.TrainingCount} images (first {s.Settings.TrainPerClass} per class) with lambda = {s.Settings.L2.ToString(CultureInfo.InvariantCulture)}: " +
              $"train accuracy {s.TrainAccuracy:P1}, test accuracy {s.TestAccuracy:P1} on {s.TestImageCount} test images. " +
              "I(z_i, z_t) = -grad L(z_t)^T H^-1 grad L(z_i); helpful training points have I < 0. The attack perturbs the test image (epsilon in 0-255 units) " +
              "to make its top-3 helpful points less helpful, keeping the head's label; the random baseline adds epsilon * sign(noise).");
        if (_run["command"]?.GetValue<string>() is string command) sb.Append("<pre><code>").Append(E(command)).Append("</code></pre>\n");
        int k = _summary.Count > 0 ? _summary[0].K : 5;
        sb.Append("<table><thead><tr>");
        foreach (var h in new[] { "attack", "ε", "tests", "Spearman mean", "± std", $"top-{k} kept", "± std", "head label kept", "network label kept", "L∞", "angle ∇L vs ∇D (°)", "Δp(label)", "failures" })
            sb.Append("<th>").Append(E(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>\n");
        foreach (var r in _summary)
        {
            sb.Append("<tr>");
            foreach (var v in new[] { r.Attack, N(r.Epsilon, "G4"), r.Tests.ToString(CultureInfo.InvariantCulture), N(r.SpearmanMean, "F3"), N(r.SpearmanStd, "F3"),
                         N(r.TopKeptMean, "F2"), N(r.TopKeptStd, "F2"), N(r.LabelKeptRate, "P0"), N(r.NetworkLabelKeptRate, "P0"), N(r.LinfMean, "F2"),
                         N(r.AngleGradientMean, "F1"), N(r.ProbabilityChangeMean, "+0.000;-0.000"), r.Failures.ToString(CultureInfo.InvariantCulture) })
                sb.Append("<td>").Append(E(v)).Append("</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody></table>\n");
        string figure = Path.Combine(_runDir, InfluenceAttackFigure.FileName);
        if (File.Exists(figure)) Img(sb, File.ReadAllBytes(figure), "Spearman and top-k kept against epsilon");
        WriteGalleries(sb);
        return sb.ToString();
    }

    private void WriteGalleries(StringBuilder sb)
    {
        if (_galleryTests <= 0 || _summary.Count == 0) return;
        double eps = _summary.Max(r => r.Epsilon);
        var position = _setup.TrainIndices.Select((idx, pos) => (idx, pos)).ToDictionary(p => p.idx, p => p.pos);
        var (c, h, w) = _setup.TrainImages.ImageShape;
        var points = _setup.DefaultTestPoints();
        sb.Append("<h3>").Append(E($"Before and after, epsilon = {eps.ToString(CultureInfo.InvariantCulture)}")).Append("</h3>\n");
        for (int t = 0; t < Math.Min(_galleryTests, points.Count); t++)
        {
            var test = points[t];
            var records = _records.Where(r => r.Test == test.DatasetIndex && r.Epsilon == eps).ToList();
            if (records.Count == 0) continue;
            var first = records[0];
            var rows = new List<(string?, IReadOnlyList<GalleryTile>)>
            {
                ($"clean {test.Id} ({_setup.ClassNames[test.Label]}, p = {first.ProbabilityBefore:F3}): top-{first.K} helpful",
                    [new GalleryTile(test.Pixels, c, h, w, test.Id, "clean"),
                     .. first.TopBefore.Select((idx, j) => Tile(position[idx], first.TopBeforeValues[j]))]),
            };
            foreach (var r in records)
            {
                string path = InfluenceAttackSweep.PerturbedPath(_runDir, r.Attack, r.Epsilon, r.Test);
                if (!File.Exists(path)) continue;
                using var img = ImageCodec.Load(path, new ImageLoadOptions(c, h, w));
                var pixels = img.data<float>().ToArray();
                rows.Add(($"{r.Attack}: Spearman {r.Spearman:F3}, top-{r.K} kept {r.TopKept}, head label {(r.HeadLabelKept ? "kept" : "changed")}, p = {r.ProbabilityAfter:F3}",
                    [new GalleryTile(pixels, c, h, w, test.Id, $"L∞ {r.Linf:F1}"), .. r.TopAfter.Select((idx, j) => Tile(position[idx], r.TopAfterValues[j]))]));
            }
            Img(sb, InfluenceGallery.Render(rows, 2), $"gallery of {test.Id}");
        }
    }

    private GalleryTile Tile(int position, double value) => InfluenceOutputs.TrainTile(_setup, position, value, -1);

    private static void P(StringBuilder sb, string text) => sb.Append("<p>").Append(E(text)).Append("</p>\n");

    private static void Img(StringBuilder sb, byte[] png, string alt) =>
        sb.Append("<figure><img alt=\"").Append(E(alt)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\"></figure>\n");

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string N(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";
}
