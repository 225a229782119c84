using System.Globalization;
using Fragility.Reporting;

namespace Fragility.Audit;

/// <summary>The score card as the first section of the HTML report: the verdict, the recommendation, the methods and
/// defences with their intervals, what each epsilon looks like, and the worst cases before and after.</summary>
internal sealed class ScoreCardSection(ScoreCard card, string directory) : IReportSection
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Title => "Score card";

    public void WriteBody(HtmlBuilder html)
    {
        string E(double e) => e.ToString("0.##", Inv);
        var shown = card.Methods.FirstOrDefault(m => m.Method == card.ShownMethod);
        html.Open("p", "headline").Text("Verdict: ").Open("span", "verdict " + VerdictThresholds.Words(card.Verdict).Replace(' ', '-'))
            .Text(VerdictThresholds.Words(card.Verdict)).Close("span")
            .Text($" — {card.ShownMethod} keeps {ScoreCardBuilder.P(shown?.Robustness.Mean ?? double.NaN)} of its top-{card.K} pixels under attack at ε = {E(card.VerdictEpsilon)}/255.")
            .Close("p");
        html.Paragraph($"{card.Images} images of {card.Dataset} ({card.UsableImages} usable, stratified over classes), {card.Iterations} attack iterations of {E(card.Step)}/255, " +
            $"ε = {string.Join(", ", card.Epsilons.Select(E))}/255, k = {card.K}, softplus β = {E(card.Beta)}, reference {card.Reference}. Intervals: 95 % bootstrap over images.");
        html.Heading("Recommendation");
        html.Open("ul");
        foreach (string line in card.Recommendation.Text) html.Open("li").Text(line).Close("li");
        html.Close("ul");
        html.Heading($"Methods at ε = {E(card.VerdictEpsilon)}/255");
        html.Table(["method", "verdict", "top-k kept, attacked", "top-k kept, random", "Spearman, attacked", "half lost at ε", "sanity (ρ)", "deletion ↓", "insertion ↑", "ms/map"],
            card.Methods.Select(m => (IReadOnlyList<string>)
            [
                m.Method, VerdictThresholds.Words(m.Verdict), ScoreCardFiles.Ci(m.Robustness), ScoreCardFiles.Ci(m.Epsilons[^1].TopKRandom),
                ScoreCardFiles.Ci(m.Epsilons[^1].SpearmanAttacked), m.BreakingEpsilon is double b ? E(b) + "/255" : "—",
                $"{(m.PassesSanity ? "passes" : "fails")} ({ScoreCardBuilder.N(m.Randomisation)})", F(m.Deletion), F(m.Insertion), F(m.MillisecondsPerMap, "0.0"),
            ]));
        if (card.Defences.Count > 0)
        {
            html.Heading("Defences of the gradient map, under their adaptive attacks");
            html.Table(["defence", "top-k kept, attacked", "gain over gradient", "ms/map", "cost ×", "worth it"],
                card.Defences.Select(d => (IReadOnlyList<string>)
                [
                    d.Defence, ScoreCardFiles.Ci(d.Robustness), ScoreCardFiles.Ci(d.Gain), F(d.MillisecondsPerMap, "0.0"), F(d.CostRatio, "0.#"), d.WorthIt ? "yes" : "no",
                ]));
        }
        if (card.Perturbations.FirstOrDefault(p => p.Picture is not null) is { } look)
        {
            html.Heading("What a change of size ε looks like on these images");
            html.Image(File.ReadAllBytes(Path.Combine(directory, look.Picture!)), "one image with random-sign noise of each epsilon",
                "Random-sign noise of each ε on one audited image; mean PSNR over the images: " +
                string.Join(", ", card.Perturbations.Select(p => $"{E(p.Epsilon)}/255 {F(p.Psnr, "0.0")} dB")) + ".", pixelated: true);
        }
        if (card.WorstCases.Any(w => w.Picture is not null))
        {
            html.Heading($"Worst cases at ε = {E(card.VerdictEpsilon)}/255");
            foreach (var w in card.WorstCases.Where(w => w.Picture is not null))
                html.Image(File.ReadAllBytes(Path.Combine(directory, w.Picture!)), $"{w.Method} worst case",
                    $"{w.Method}: {w.Item}, {w.Attack} attack, top-k kept {ScoreCardBuilder.P(w.TopK)}", pixelated: true);
        }
        if (card.Notes.Count > 0)
        {
            html.Heading("Notes");
            html.Open("ul");
            foreach (string n in card.Notes) html.Open("li").Text(n).Close("li");
            html.Close("ul");
        }
    }

    private static string F(double v, string format = "0.000") => double.IsFinite(v) ? v.ToString(format, Inv) : "—";
}
