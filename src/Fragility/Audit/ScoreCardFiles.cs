using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fragility.IO;
using Fragility.Reporting;

namespace Fragility.Audit;

/// <summary>Writes a <see cref="ScoreCard"/>: scorecard.json (the versioned schema of docs/scorecard.md),
/// scorecard.md, and report.html with the score card first and the sweep's sections after it.</summary>
public static class ScoreCardFiles
{
    /// <summary>The score card as JSON.</summary>
    public const string Json = "scorecard.json";

    /// <summary>The score card as Markdown.</summary>
    public const string Markdown = "scorecard.md";

    /// <summary>The HTML report.</summary>
    public const string Report = "report.html";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The JSON options of scorecard.json: snake_case names, verdicts as strings, non-finite numbers as null.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new FiniteOrNull() },
    };

    /// <summary>Writes the three files into <paramref name="directory"/>.</summary>
    public static void Write(ScoreCard card, string directory)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, Json), JsonSerializer.Serialize(card, JsonOptions) + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, Markdown), ToMarkdown(card));
        var report = new HtmlReport { Title = AuditTitle };
        report.LeadSections.Add(new ScoreCardSection(card, directory));
        report.Write(directory, Path.Combine(directory, Report));
    }

    /// <summary>The title of an audit's report.</summary>
    public const string AuditTitle = "Explanation robustness audit";

    /// <summary>Puts the score card of the audit in <paramref name="directory"/> first in <paramref name="report"/>, when
    /// the folder holds one (so 'fragility report' on an audit folder keeps it); returns whether it did.</summary>
    /// <exception cref="FragilityException">scorecard.json is there but corrupt or of an unknown version.</exception>
    public static bool AddTo(HtmlReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!File.Exists(Path.Combine(directory, Json))) return false;
        report.LeadSections.Add(new ScoreCardSection(Read(directory), directory));
        return true;
    }

    /// <summary>Reads scorecard.json back (a version this library knows).</summary>
    /// <exception cref="FragilityException">Missing, corrupt, or of an unknown major version.</exception>
    public static ScoreCard Read(string directory)
    {
        string path = Path.Combine(directory, Json);
        if (!File.Exists(path)) throw new FragilityException($"'{path}' does not exist: run 'fragility audit --out {directory}' first.");
        ScoreCard? card;
        try { card = JsonSerializer.Deserialize<ScoreCard>(File.ReadAllText(path), JsonOptions); }
        catch (JsonException e) { throw new FragilityException($"'{path}' is not a score card ({e.Message.Split('\n')[0]})."); }
        if (card is null || card.SchemaVersion.Split('.')[0] != ScoreCard.CurrentSchema.Split('.')[0])
            throw new FragilityException($"'{path}' has schema version {card?.SchemaVersion ?? "none"}; this Fragility reads {ScoreCard.CurrentSchema}.");
        return card;
    }

    /// <summary>The score card as Markdown.</summary>
    public static string ToMarkdown(ScoreCard card)
    {
        var s = new StringBuilder();
        string E(double e) => e.ToString("0.##", Inv);
        s.AppendLine("# Explanation robustness score card").AppendLine();
        s.AppendLine($"Model **{Cell(card.Model)}** ({Cell(card.Architecture)}) on {card.Images} images of {Cell(card.Dataset)} (of {card.UsableImages} usable; stratified over classes" +
            (card.Accuracy is double a ? $"; the model gets {ScoreCardBuilder.P(a)} of the labelled images right" : "") + "). " +
            $"Attacks: random sign, top-k and mass-center (Ghorbani et al. 2019), ε = {string.Join(", ", card.Epsilons.Select(E))}/255, {card.Iterations} iterations of {E(card.Step)}/255, " +
            $"k = {card.K}, softplus β = {E(card.Beta)}; reference {Cell(card.Reference)}.").AppendLine();
        var shown = card.Methods.FirstOrDefault(m => m.Method == card.ShownMethod);
        s.AppendLine($"**Verdict: {VerdictThresholds.Words(card.Verdict)}** ({Cell(card.ShownMethod ?? "")}: keeps {ScoreCardBuilder.P(shown?.Robustness.Mean ?? double.NaN)} of its top-k under attack at ε = {E(card.VerdictEpsilon)}/255).").AppendLine();
        s.AppendLine("## Recommendation").AppendLine();
        foreach (string line in card.Recommendation.Text) s.AppendLine("- " + line);
        s.AppendLine().AppendLine($"## Methods at ε = {E(card.VerdictEpsilon)}/255").AppendLine();
        s.AppendLine("| method | verdict | top-k kept, attacked (95 % CI) | top-k kept, random noise | Spearman, attacked | half the top-k lost at ε | sanity (ρ with randomised model) | deletion AUC ↓ | insertion AUC ↑ | ms/map |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var m in card.Methods)
        {
            var last = m.Epsilons[^1];
            s.AppendLine($"| {Cell(m.Method)} | {VerdictThresholds.Words(m.Verdict)} | {Ci(m.Robustness)} | {Ci(last.TopKRandom)} | {Ci(last.SpearmanAttacked)} | " +
                $"{(m.BreakingEpsilon is double b ? E(b) + "/255" : "not within " + E(card.VerdictEpsilon) + "/255")} | {(m.PassesSanity ? "passes" : "FAILS")} ({F(m.Randomisation)}) | {F(m.Deletion, "0.000")} | {F(m.Insertion, "0.000")} | {F(m.MillisecondsPerMap, "0.0")} |");
        }
        s.AppendLine().AppendLine("## Every epsilon").AppendLine();
        s.AppendLine("| method | ε | top-k kept, attacked | top-k kept, random | Spearman, attacked | Spearman, random | label kept |");
        s.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var m in card.Methods)
            foreach (var e in m.Epsilons)
                s.AppendLine($"| {Cell(m.Method)} | {E(e.Epsilon)} | {Ci(e.TopKAttacked)} | {Ci(e.TopKRandom)} | {Ci(e.SpearmanAttacked)} | {Ci(e.SpearmanRandom)} | {ScoreCardBuilder.P(e.LabelKept)} |");
        if (card.Defences.Count > 0)
        {
            s.AppendLine().AppendLine("## Defences of the gradient map, under their adaptive attacks").AppendLine();
            s.AppendLine("| defence | top-k kept, attacked (95 % CI) | gain over the plain gradient (95 % CI) | ms/map | cost × | sanity | worth it |");
            s.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var d in card.Defences)
                s.AppendLine($"| {Cell(d.Defence)} | {Ci(d.Robustness)} | {Ci(d.Gain)} | {F(d.MillisecondsPerMap, "0.0")} | {F(d.CostRatio, "0.#")} | {(d.PassesSanity ? "passes" : "fails")} | {(d.WorthIt ? "yes" : "no")} |");
        }
        if (card.Perturbations.Count > 0)
        {
            s.AppendLine().AppendLine("## What a change of size ε looks like on these images").AppendLine();
            s.AppendLine("| ε | mean PSNR of random-sign noise |").AppendLine("|---|---|");
            foreach (var p in card.Perturbations) s.AppendLine($"| {E(p.Epsilon)}/255 | {F(p.Psnr, "0.0")} dB |");
            if (card.Perturbations.FirstOrDefault(p => p.Picture is not null) is { } look)
                s.AppendLine().AppendLine($"![one audited image, clean and with random-sign noise of each ε]({look.Picture!.Replace('\\', '/')})");
        }
        if (card.WorstCases.Count > 0)
        {
            s.AppendLine().AppendLine($"## Worst cases at ε = {E(card.VerdictEpsilon)}/255").AppendLine();
            foreach (var w in card.WorstCases)
                s.AppendLine($"- {Cell(w.Method)}: {Cell(w.Item)}, {w.Attack} attack, top-k kept {ScoreCardBuilder.P(w.TopK)}" +
                    (w.Picture is null ? "" : $"  \n  ![{Cell(w.Method)} worst case]({w.Picture.Replace('\\', '/')})"));
        }
        var t = card.Thresholds;
        s.AppendLine().AppendLine("## How to read it").AppendLine();
        s.AppendLine($"- Top-k kept: the share of the map's k most important pixels still among the k most important after the perturbation (1 = unmoved). " +
            "Attacked: the lower of the top-k and mass-center attacks on each image, averaged over images. Random: one random-sign draw of the same size.");
        s.AppendLine($"- Verdict at the largest ε: robust when at least {ScoreCardBuilder.P(t.Robust)} is kept, fragile from {ScoreCardBuilder.P(t.Fragile)}, very fragile below.");
        s.AppendLine($"- Sanity check (Adebayo et al. 2018): passes when the mean Spearman correlation with the maps of a fully randomised model is below {F(t.Sanity)}.");
        s.AppendLine($"- A defence is worth its cost when it keeps at least {ScoreCardBuilder.P(t.DefenceGain)} more of the top-k than the plain gradient, with a 95 % interval above zero.");
        s.AppendLine("- Intervals: 95 % percentile bootstrap over images (2000 resamples).");
        if (card.Notes.Count > 0)
        {
            s.AppendLine().AppendLine("## Notes").AppendLine();
            foreach (string n in card.Notes) s.AppendLine("- " + Cell(n));
        }
        s.AppendLine().AppendLine($"Command: `{card.Command.Replace('`', '\'')}`");
        return s.ToString();
    }

    internal static string Ci(ScoreInterval i) => double.IsFinite(i.Lower)
        ? $"{F(i.Mean, "0.00")} [{F(i.Lower, "0.00")}, {F(i.Upper, "0.00")}]"
        : F(i.Mean, "0.00");

    private static string F(double v, string format = "0.##") => double.IsFinite(v) ? v.ToString(format, Inv) : "—";

    // Markdown table cells: a pipe or newline in a name would break the table.
    private static string Cell(string text) => text.Replace("|", "\\|").Replace('\n', ' ').Replace('\r', ' ');

    /// <summary>Doubles as JSON numbers, and NaN or infinities (an undefined interval) as null, which every JSON reader accepts.</summary>
    private sealed class FiniteOrNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }

        public override bool HandleNull => true;
    }
}
