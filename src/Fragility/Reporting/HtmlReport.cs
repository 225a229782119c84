using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Fragility.IO;

namespace Fragility.Reporting;

/// <summary>
/// Writes a sweep folder (run.json, results.jsonl, arrays/) as ONE self-contained HTML file: a header saying what
/// the run measured, the run's settings and exact command (so it reproduces itself), the summary table
/// (mean ± sample standard deviation per method x attack x epsilon, label-kept rate, failures) with the paper's
/// figure, a gallery per input (clean and perturbed image, the perturbation amplified, the maps before and after,
/// labels, confidences and metrics, at an epsilon chosen with a control), and any extra <see cref="Sections"/>.
/// Images are embedded as PNG data URIs; style sheet and script are inline; nothing is loaded from elsewhere.
/// Every string read from files is HTML-escaped.
/// </summary>
public sealed class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Largest number of inputs shown in the gallery (the first ones by data-set index); default 32.</summary>
    public int GalleryLimit { get; init; } = 32;

    /// <summary>Images and maps whose longer side exceeds this are shrunk (by averaging blocks of pixels) in the gallery; default 128.</summary>
    public int GalleryImageMaxSide { get; init; } = 128;

    /// <summary>Display size in CSS pixels that gallery images are scaled up to (by whole factors, pixelated); default 96.</summary>
    public int GalleryDisplaySize { get; init; } = 96;

    /// <summary>Percentile of each map's values used as the top of its colour scale (see <see cref="HeatmapOptions.ClipPercentile"/>); default 99.5.</summary>
    public double MapClipPercentile { get; init; } = 99.5;

    /// <summary>Colormap of the saliency maps; default <see cref="Colormaps.Inferno"/>.</summary>
    public Colormap MapColormap { get; init; } = Colormaps.Inferno;

    /// <summary>Title of the report; default "Fragility report".</summary>
    public string? Title { get; init; }

    /// <summary>Sections shown first, before the run's claim and table (e.g. an audit's score card), in order.</summary>
    public IList<IReportSection> LeadSections { get; } = new List<IReportSection>();

    /// <summary>Extra sections appended after the gallery (e.g. Geometry, Influence, Defences), in order.</summary>
    public IList<IReportSection> Sections { get; } = new List<IReportSection>();

    /// <summary>Adds a <see cref="FolderSection"/> made from a folder of PNG/CSV/text files.</summary>
    /// <exception cref="FragilityException">The folder does not exist or its section.json is invalid.</exception>
    public HtmlReport AddSectionFolder(string folder)
    {
        Sections.Add(new FolderSection(folder));
        return this;
    }

    /// <summary>
    /// Writes the report of the sweep in <paramref name="sweepDir"/> to <paramref name="outputHtmlPath"/> (UTF-8),
    /// creating its folder, and returns the problems that were tolerated (they are also shown in the report).
    /// </summary>
    /// <exception cref="FragilityException">The sweep folder or its results.jsonl is missing or corrupt, or the file cannot be written.</exception>
    public IReadOnlyList<string> Write(string sweepDir, string outputHtmlPath)
    {
        ArgumentNullException.ThrowIfNull(outputHtmlPath);
        string html = Build(sweepDir, out var warnings);
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(outputHtmlPath));
            if (dir is not null) Directory.CreateDirectory(dir);
            File.WriteAllText(outputHtmlPath, html, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FragilityException($"Cannot write report '{outputHtmlPath}': {e.Message}. Choose a writable output path.", e);
        }
        return warnings;
    }

    /// <summary>Builds the report of a sweep folder as HTML text; <paramref name="warnings"/> lists the problems tolerated.</summary>
    /// <exception cref="FragilityException">The sweep folder or its results.jsonl is missing or corrupt.</exception>
    public string Build(string sweepDir, out IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(sweepDir);
        if (!Directory.Exists(sweepDir))
            throw new FragilityException($"Sweep folder '{sweepDir}' does not exist. Pass the --out folder of a sweep.");
        var notes = new List<string>();
        RunInfo run;
        if (File.Exists(Path.Combine(sweepDir, RunInfo.FileName))) run = RunInfo.Load(sweepDir);
        else
        {
            run = RunInfo.Empty();
            notes.Add("run.json is missing, so the settings of this run are unknown.");
        }
        var results = ResultsFile.Read(Path.Combine(sweepDir, ResultsFile.FileName));
        notes.AddRange(results.Warnings);
        var summary = SweepSummary.Compute(results.Records, run.Methods, run.Attacks);

        var body = new StringBuilder();
        var gallery = new GalleryWriter(this, sweepDir, run, results.Records, summary);
        string galleryHtml = gallery.Write();
        notes.AddRange(gallery.Warnings);
        var lead = Render(LeadSections, "lead", notes);
        var sections = Render(Sections, "section", notes);

        string title0 = Title ?? "Fragility report";
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<title>").Append(E(title0)).Append(run.Model is string m0 ? " — " + E(m0) : "").Append("</title>\n")
          .Append("<style>\n").Append(HtmlReportAssets.Css).Append("\n</style>\n</head>\n<body>\n");
        WriteHeader(sb, title0, run, results.Records, lead, sections);
        sb.Append("<main>\n");
        foreach (var (id, title, html) in lead)
            sb.Append("<h2 id=\"").Append(id).Append("\">").Append(E(title)).Append("</h2>\n<section class=\"block lead\">\n")
              .Append(html).Append("</section>\n");
        WriteIncomplete(sb, run, results.Records, summary);
        WriteClaim(sb, run, results.Records, summary);
        WriteOverview(sb, run, results.Records, summary, notes);
        WriteFigure(sb, run, summary);
        WriteSettings(sb, run);
        WriteToolbar(sb, summary);
        WriteSummary(sb, run, summary);
        sb.Append(galleryHtml);
        foreach (var (id, title, html) in sections)
            sb.Append("<h2 id=\"").Append(id).Append("\">").Append(E(title)).Append("</h2>\n<section class=\"block extra\">\n")
              .Append(html).Append("</section>\n");
        string version = typeof(HtmlReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        sb.Append("<footer>Written by Fragility ").Append(E(version.Split('+')[0])).Append(" on ")
          .Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)).Append(". One self-contained file: no external resources.</footer>\n");
        sb.Append("</main>\n<script>\n").Append(HtmlReportAssets.Script).Append("\n</script>\n</body>\n</html>\n");
        warnings = notes;
        return sb.ToString();
    }

    private static string E(string? text) => HtmlBuilder.Encode(text);

    /// <summary>Each section's title and body; a section that fails is replaced by a paragraph saying why (and a note).</summary>
    private static List<(string Id, string Title, string Html)> Render(IList<IReportSection> sections, string idPrefix, List<string> notes)
    {
        var rendered = new List<(string Id, string Title, string Html)>();
        for (int i = 0; i < sections.Count; i++)
        {
            var builder = new HtmlBuilder();
            string title;
            try
            {
                title = sections[i].Title;
                sections[i].WriteBody(builder);
            }
            catch (Exception e) when (e is FragilityException or IOException or ArgumentException or InvalidOperationException)
            {
                title = $"Section {i + 1}";
                builder = new HtmlBuilder().Paragraph($"This section could not be written: {e.Message}");
                notes.Add($"Section {i + 1} failed: {e.Message}");
            }
            rendered.Add(($"{idPrefix}-{i + 1}", title, builder.ToString()));
        }
        return rendered;
    }

    internal static string Num(double v, string format) => double.IsFinite(v) ? v.ToString(format, Inv) : "—";

    internal static string Eps(double eps) => eps.ToString(Inv);

    private static void WriteHeader(StringBuilder sb, string title, RunInfo run, IReadOnlyList<ResultRecord> records,
        List<(string Id, string Title, string Html)> lead, List<(string Id, string Title, string Html)> sections)
    {
        sb.Append("<header class=\"top\"><div class=\"inner\">\n<h1>").Append(E(title)).Append("</h1>\n<div class=\"sub\">");
        var parts = new List<string>();
        if (run.Model is string model) parts.Add("model <b>" + E(model) + "</b>" + (run.Architecture is string a ? " (" + E(a) + ")" : ""));
        if (run.Dataset is string dataset) parts.Add("data <b>" + E(dataset) + "</b>");
        int inputs = records.Select(r => r.Image).Distinct().Count();
        parts.Add(inputs.ToString(Inv) + " inputs");
        if (run.CreatedUtc is string created) parts.Add("run " + E(created));
        sb.Append(string.Join(" · ", parts)).Append("</div>\n");
        sb.Append("<p class=\"lead\">Can a perturbation too small to see, that keeps the predicted label, move an explanation map more than random noise ")
          .Append("of the same size does? Maps of perturbed inputs are compared with the clean maps: <b>top-k intersection</b> (share of the k most ")
          .Append("important pixels that stay in the top k), <b>Spearman</b> rank correlation, <b>centre-of-mass shift</b> in pixels; unchanged maps give 1, 1, 0. ")
          .Append("Reproduces Ghorbani, Abid &amp; Zou, AAAI 2019 (arXiv:1710.10547).</p>\n");
        sb.Append("<nav>");
        foreach (var (id, t, _) in lead) sb.Append("<a href=\"#").Append(id).Append("\">").Append(E(t)).Append("</a>");
        sb.Append("<a href=\"#claim\">Claim</a><a href=\"#figure\">Figure</a><a href=\"#settings\">Settings</a><a href=\"#summary\">Table</a><a href=\"#gallery\">Gallery</a>");
        foreach (var (id, t, _) in sections) sb.Append("<a href=\"#").Append(id).Append("\">").Append(E(t)).Append("</a>");
        sb.Append("</nav>\n</div></header>\n");
    }

    /// <summary>The planned grid (inputs, methods, attacks, epsilons) from run.json, or null when run.json does not say.</summary>
    internal static (int Inputs, int Methods, int Attacks, int Epsilons)? PlannedGrid(RunInfo run) =>
        run.Images is int n && run.Methods.Count > 0 && run.Attacks.Count > 0 && run.Epsilons.Count > 0
            ? (n, run.Methods.Count, run.Attacks.Count, run.Epsilons.Count)
            : null;

    /// <summary>The text of the "Attacked maps" tile: the count, and the grid it is (or should be) the product of.</summary>
    internal static (string Value, string Detail) GridText(RunInfo run, IReadOnlyList<ResultRecord> records, SweepSummary summary)
    {
        static string Plural(int n, string one, string many) => $"{n.ToString(Inv)} {(n == 1 ? one : many)}";
        string Grid(int i, int m, int a, int e) =>
            $"{Plural(i, "input", "inputs")} × {Plural(m, "method", "methods")} × {Plural(a, "attack", "attacks")} × {e.ToString(Inv)} ε";
        if (PlannedGrid(run) is var (pi, pm, pa, pe))
        {
            int planned = pi * pm * pa * pe;
            return records.Count == planned
                ? (records.Count.ToString(Inv), "= " + Grid(pi, pm, pa, pe))
                : ($"{records.Count.ToString(Inv)} of {planned.ToString(Inv)}", "planned " + planned.ToString(Inv) + " = " + Grid(pi, pm, pa, pe));
        }
        int inputs = records.Select(r => r.Image).Distinct().Count();
        int product = inputs * summary.Methods.Count * summary.Attacks.Count * summary.Epsilons.Count;
        return (records.Count.ToString(Inv), (product == records.Count ? "= " : "some missing; at most ") + Grid(inputs, summary.Methods.Count, summary.Attacks.Count, summary.Epsilons.Count));
    }

    /// <summary>A banner when results.jsonl holds fewer results than run.json's grid: the numbers cover only part of the run.</summary>
    private static void WriteIncomplete(StringBuilder sb, RunInfo run, IReadOnlyList<ResultRecord> records, SweepSummary summary)
    {
        if (PlannedGrid(run) is not var (pi, pm, pa, pe) || records.Count >= pi * pm * pa * pe) return;
        int planned = pi * pm * pa * pe;
        sb.Append("<div class=\"incomplete\" id=\"incomplete\"><b>Incomplete run:</b> results.jsonl holds ").Append(records.Count.ToString(Inv))
          .Append(" of the ").Append(planned.ToString(Inv)).Append(" planned results (").Append(E($"{pi} inputs × {pm} methods × {pa} attacks × {pe} ε")).Append("), ")
          .Append((100.0 * records.Count / planned).ToString("0", Inv)).Append(" %. Everything below covers only the results present. ")
          .Append("Run the same sweep command again (see Settings) to resume it.</div>\n");
    }

    private static void WriteOverview(StringBuilder sb, RunInfo run, IReadOnlyList<ResultRecord> records, SweepSummary summary, List<string> notes)
    {
        sb.Append("<div class=\"tiles\">\n");
        var (value, detail) = GridText(run, records, summary);
        Tile(sb, "Attacked maps", value, E(detail));
        var kept = records.Select(r => r.EffectiveLabelKept).Where(k => k is not null).ToList();
        int failures = records.Count(r => r.Failed);
        Tile(sb, "Label kept", kept.Count == 0 ? "—" : (kept.Count(k => k == true) / (double)kept.Count).ToString("0.0%", Inv),
            $"{failures} failed attack{(failures == 1 ? "" : "s")} (clean input kept)");
        var ks = records.Select(r => r.K).Where(k => k is not null).Distinct().ToList();
        if (ks.Count == 1) Tile(sb, "k (top-k pixels)", ks[0]!.Value.ToString(Inv), "the pixels the intersection compares");
        sb.Append("</div>\n");
        if (notes.Count > 0)
        {
            sb.Append("<div class=\"warnings\"><b>Notes</b><ul>");
            foreach (var n in notes) sb.Append("<li>").Append(E(n)).Append("</li>");
            sb.Append("</ul></div>\n");
        }
    }

    /// <summary>The paper's attack budget: 300 iterations of step 0.5 (0-255 scale).</summary>
    private const int PaperIterations = 300;
    private const double PaperStep = 0.5;

    /// <summary>The attack budget in words, and whether it is smaller than the paper's.</summary>
    internal static string BudgetText(RunInfo run, SweepSummary summary)
    {
        int? iterations = run.Raw["iterations"] is System.Text.Json.Nodes.JsonValue vi && vi.TryGetValue(out int it) ? it : null;
        double? step = run.Raw["step"] is System.Text.Json.Nodes.JsonValue vs && vs.TryGetValue(out double st) ? st : null;
        var eps = run.Epsilons.Count > 0 ? run.Epsilons : summary.Epsilons;
        string epsText = "ε ∈ {" + string.Join(", ", eps.Select(Eps)) + "} of 255 (L∞)";
        if (iterations is not int n || step is not double h)
            return "Attack budget: " + epsText + "; iterations and step size are not recorded in run.json.";
        string text = $"Attack budget: {n.ToString(Inv)} iterations of step {h.ToString(Inv)}/255, {epsText}.";
        if (n < PaperIterations || n * h < PaperIterations * PaperStep)
            text += $" Reduced from the paper's {PaperIterations} × {PaperStep.ToString(Inv)}/255 (a quick run, as in demo): "
                + "a full-budget attack can only move the maps further, so these gaps understate the fragility.";
        else if (n != PaperIterations || h != PaperStep)
            text += $" The paper used {PaperIterations} × {PaperStep.ToString(Inv)}/255.";
        else text += " The paper's budget.";
        return text;
    }

    /// <summary>
    /// The headline: per method, at the largest ε with both, the strongest attack (lowest mean top-k intersection)
    /// against random-sign noise of the same ε, with the paired 95 % t-interval of the per-input difference.
    /// </summary>
    private static void WriteClaim(StringBuilder sb, RunInfo run, IReadOnlyList<ResultRecord> records, SweepSummary summary)
    {
        var rows = ClaimRows(records, summary);
        sb.Append("<section class=\"claim\" id=\"claim\">\n");
        if (rows.Count == 0)
        {
            sb.Append("<p class=\"empty\">No comparison with random noise yet: the run needs the random attack and another attack at the same ε.</p>")
              .Append("<p class=\"budget\">").Append(E(BudgetText(run, summary))).Append("</p></section>\n");
            return;
        }
        var beaten = rows.Where(r => r.TopkDiff.Upper < 0).Select(r => DisplayNames.Method(r.Method)).ToList();
        var notBeaten = rows.Where(r => !(r.TopkDiff.Upper < 0)).Select(r => DisplayNames.Method(r.Method)).ToList();
        sb.Append("<p class=\"headline\">");
        if (notBeaten.Count == 0)
            sb.Append("For every method below, the attack moves the top-k pixels further than random noise of the same size: ");
        else if (beaten.Count == 0)
            sb.Append("No method's map moved significantly more under the attack than under random noise of the same size: ");
        else
            sb.Append("The attack moves the top-k pixels further than random noise of the same size for ").Append(E(string.Join(", ", beaten)))
              .Append(", not significantly for ").Append(E(string.Join(", ", notBeaten))).Append(": ");
        sb.Append("the paired 95 % interval of attacked − random lies below 0").Append(notBeaten.Count == 0 ? "" : " where significant").Append(".</p>\n");
        sb.Append("<div class=\"table-wrap\"><table class=\"data claim-table\"><thead><tr><th>Method</th><th>Attack</th><th class=\"num\">ε</th><th class=\"num\">n</th>")
          .Append("<th class=\"num grp\">Top-k ∩ attacked</th><th class=\"num\">random</th><th class=\"num\">difference [95 % CI]</th>")
          .Append("<th class=\"num grp\">Spearman attacked</th><th class=\"num\">random</th><th class=\"num\">difference [95 % CI]</th></tr></thead><tbody>\n");
        foreach (var r in rows)
        {
            sb.Append("<tr><td class=\"meth\">").Append(E(DisplayNames.Method(r.Method))).Append("</td><td>").Append(E(DisplayNames.Attack(r.Attack)))
              .Append("</td><td class=\"num\">").Append(E(Eps(r.Epsilon))).Append("</td><td class=\"num\">").Append(r.TopkDiff.Count.ToString(Inv)).Append("</td>");
            ClaimCells(sb, r.TopkAttacked, r.TopkRandom, r.TopkDiff);
            ClaimCells(sb, r.SpearmanAttacked, r.SpearmanRandom, r.SpearmanDiff);
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody></table></div>\n<p class=\"muted small\">Means over the inputs that have both results. Difference = attacked − random, ")
          .Append("paired per input; 95 % CI = Student-t interval of the mean of the per-input differences (mean ± t·s/√n). ")
          .Append("Negative = the attack moved the map more. Failed attacks count with the clean input's values (1, 1).</p>\n")
          .Append("<p class=\"budget\">").Append(E(BudgetText(run, summary))).Append("</p>\n</section>\n");
    }

    private static void ClaimCells(StringBuilder sb, double attacked, double random, MeanInterval diff)
    {
        sb.Append("<td class=\"num grp strong\">").Append(Num(attacked, "0.00")).Append("</td><td class=\"num\">").Append(Num(random, "0.00"))
          .Append("</td><td class=\"num").Append(diff.Upper < 0 ? " sig" : "").Append("\">").Append(Num(diff.Mean, "+0.00;−0.00;0.00"))
          .Append(" <span class=\"pm\">[").Append(Num(diff.Lower, "+0.00;−0.00;0.00")).Append(", ").Append(Num(diff.Upper, "+0.00;−0.00;0.00"))
          .Append("]</span></td>");
    }

    /// <summary>One line of the headline table.</summary>
    internal sealed record ClaimRow(string Method, string Attack, double Epsilon, double TopkAttacked, double TopkRandom, MeanInterval TopkDiff,
        double SpearmanAttacked, double SpearmanRandom, MeanInterval SpearmanDiff);

    /// <summary>The headline comparisons (see <see cref="WriteClaim"/>); failed attacks count with the clean values, as in the summary.</summary>
    internal static List<ClaimRow> ClaimRows(IReadOnlyList<ResultRecord> records, SweepSummary summary)
    {
        var rows = new List<ClaimRow>();
        string? random = summary.Attacks.FirstOrDefault(a => a == "random");
        if (random is null) return rows;
        foreach (var method in summary.Methods)
        {
            var candidates = summary.Rows.Where(r => r.Method == method && r.Attack != random && double.IsFinite(r.TopkIntersectionMean)
                && summary.Find(method, random, r.Epsilon) is not null).ToList();
            if (candidates.Count == 0) continue;
            double eps = candidates.Max(r => r.Epsilon);
            var best = candidates.Where(r => r.Epsilon == eps).MinBy(r => r.TopkIntersectionMean)!;
            Dictionary<int, double> Values(string attack, Func<ResultRecord, double?> metric) => records
                .Where(r => r.Method == method && r.Attack == attack && r.Epsilon == eps)
                .GroupBy(r => r.Image).Select(g => (g.Key, V: metric(g.First())))
                .Where(p => p.V is double v && double.IsFinite(v)).ToDictionary(p => p.Key, p => p.V!.Value);
            double? Topk(ResultRecord r) => r.TopkIntersection ?? (r.Failed ? 1.0 : null);
            double? Rho(ResultRecord r) => r.Spearman ?? (r.Failed ? 1.0 : null);
            var ta = Values(best.Attack, Topk);
            var tr = Values(random, Topk);
            var sa = Values(best.Attack, Rho);
            var sr = Values(random, Rho);
            double PairedMean(Dictionary<int, double> a, Dictionary<int, double> b) =>
                a.Keys.Where(b.ContainsKey).Select(k => a[k]).DefaultIfEmpty(double.NaN).Average();
            rows.Add(new ClaimRow(method, best.Attack, eps, PairedMean(ta, tr), PairedMean(tr, ta), MeanInterval.Paired(ta, tr),
                PairedMean(sa, sr), PairedMean(sr, sa), MeanInterval.Paired(sa, sr)));
        }
        return rows;
    }

    private static void Tile(StringBuilder sb, string keyHtml, string valueText, string detailHtml) =>
        sb.Append("<div class=\"tile\"><div class=\"k\">").Append(keyHtml).Append("</div><div class=\"v\">").Append(E(valueText))
          .Append("</div><div class=\"d\">").Append(detailHtml).Append("</div></div>\n");

    private static void WriteSettings(StringBuilder sb, RunInfo run)
    {
        sb.Append("<h2 id=\"settings\">Run settings</h2>\n<section class=\"block\">\n");
        if (run.Command is string command)
            sb.Append("<div class=\"cmd\"><div class=\"muted\" style=\"margin-bottom:4px\">Command that produced this run</div><pre><code>")
              .Append(E(command)).Append("</code></pre></div>\n");
        var entries = run.Raw.Where(p => p.Key != "command").ToList();
        if (entries.Count == 0) sb.Append("<p class=\"empty\">No settings recorded (run.json missing or empty).</p>\n");
        else
        {
            sb.Append("<div class=\"settings\">");
            int half = (entries.Count + 1) / 2;
            foreach (var chunk in new[] { entries.Take(half), entries.Skip(half) })
            {
                sb.Append("<table class=\"kv\"><tbody>");
                foreach (var (key, value) in chunk)
                    sb.Append("<tr><th>").Append(E(key)).Append("</th><td>").Append(E(FormatSetting(key, value))).Append("</td></tr>");
                sb.Append("</tbody></table>");
            }
            sb.Append("</div>\n");
        }
        sb.Append("</section>\n");
    }

    private static string FormatSetting(string key, JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v => v.ToJsonString(),
        JsonArray a when key == "class_names" => string.Join(", ", a.Select((n, i) => $"{i} {FormatSetting("", n)}")),
        JsonArray a => string.Join(", ", a.Select(n => FormatSetting("", n))),
        JsonObject o => string.Join(" · ", o.Select(p => $"{p.Key} {FormatSetting(p.Key, p.Value)}")),
        _ => value.ToJsonString(),
    };

    private static void WriteToolbar(StringBuilder sb, SweepSummary summary)
    {
        sb.Append("<div class=\"toolbar\" id=\"controls\">\n<div class=\"group\"><span class=\"label\">Method</span>");
        foreach (var m in summary.Methods)
            sb.Append("<label class=\"chip\"><input type=\"checkbox\" data-filter=\"method\" value=\"").Append(E(m)).Append("\" checked>")
              .Append(E(DisplayNames.Method(m))).Append("</label>");
        sb.Append("</div>\n<div class=\"group\"><span class=\"label\">Attack</span>");
        foreach (var a in summary.Attacks)
            sb.Append("<label class=\"chip\"><input type=\"checkbox\" data-filter=\"attack\" value=\"").Append(E(a)).Append("\" checked>")
              .Append(E(DisplayNames.Attack(a))).Append("</label>");
        sb.Append("</div>\n<div class=\"group\"><label class=\"label greek\" for=\"ctl-eps\">ε</label><select id=\"ctl-eps\">");
        for (int i = 0; i < summary.Epsilons.Count; i++)
            sb.Append("<option value=\"").Append(E(Eps(summary.Epsilons[i]))).Append('"')
              .Append(i == summary.Epsilons.Count - 1 ? " selected" : "").Append('>').Append(E(Eps(summary.Epsilons[i]))).Append("</option>");
        sb.Append("</select></div>\n<div class=\"group\"><label class=\"label\" for=\"ctl-sort\">Sort inputs</label><select id=\"ctl-sort\">")
          .Append("<option value=\"index\">by index</option><option value=\"topk\">top-k intersection, lowest first</option>")
          .Append("<option value=\"spearman\">Spearman, lowest first</option><option value=\"shift\">centre shift, largest first</option>")
          .Append("</select></div>\n<span class=\"count\" id=\"ctl-count\"></span>\n</div>\n");
    }

    private static void WriteFigure(StringBuilder sb, RunInfo run, SweepSummary summary)
    {
        sb.Append("<figure class=\"figure first-figure\" id=\"figure\">");
        if (summary.Rows.Count > 0)
        {
            string title = string.Join(" on ", new[] { run.Model, run.Dataset }.Where(s => !string.IsNullOrEmpty(s)));
            byte[] png = PaperFigure.Render(summary, title.Length > 0 ? "Fragility of explanations: " + title : null);
            sb.Append("<img src=\"").Append(HtmlBuilder.PngDataUri(png))
              .Append("\" alt=\"Top-k intersection, Spearman correlation and centre-of-mass shift against epsilon, per method and attack\">")
              .Append("<figcaption>Columns: explanation methods. Rows: top-k intersection, Spearman rank correlation and centre-of-mass shift ")
              .Append("against ε (0–255 scale; ε = 0 is the clean input). Lines are means over inputs; bands are 95 % confidence intervals of ")
              .Append("those means (Student t), not the spread of single inputs; the random-sign baseline is dashed. Where a band of an attack ")
              .Append("and the dashed band overlap, the paired intervals in the table above are the test.</figcaption>");
        }
        else sb.Append("<p class=\"empty\">No results yet.</p>");
        sb.Append("</figure>\n");
    }

    private static void WriteSummary(StringBuilder sb, RunInfo run, SweepSummary summary)
    {
        sb.Append("<h2 id=\"summary\">Summary table</h2>\n<section class=\"block\">\n");

        var ks = summary.Rows.Select(r => r.K).Where(k => k is not null).Distinct().ToList();
        bool kColumn = ks.Count > 1;
        string kNote = ks.Count == 1 ? $"k = {ks[0]!.Value.ToString(Inv)} pixels. " : run.K is int rk && ks.Count == 0 ? $"k = {rk.ToString(Inv)} pixels. " : "";
        sb.Append("<p class=\"muted\">Mean <span class=\"pm\">± sample standard deviation</span> over inputs (the spread of single inputs, not a confidence interval). ").Append(kNote)
          .Append("Failed attacks (no label-keeping perturbation found) return the clean input and count with its metrics (1, 1, 0); ")
          .Append("they are also counted under Failures. Rows at the ε selected in the toolbar are highlighted.</p>\n");
        bool kendall = summary.Rows.Any(r => double.IsFinite(r.KendallMean));
        sb.Append("<div class=\"table-wrap\"><table class=\"data\" id=\"summary-table\"><thead><tr><th>Method</th><th>Attack</th><th class=\"num\">ε</th><th class=\"num\">n</th>")
          .Append("<th>Top-k intersection</th><th>Spearman ρ</th>").Append(kendall ? "<th>Kendall τ</th>" : "")
          .Append("<th class=\"num\">Centre shift (px)</th><th class=\"num\">Label kept</th><th class=\"num\">Failures</th><th class=\"num\">Confidence</th>")
          .Append(kColumn ? "<th class=\"num\">k</th>" : "").Append("</tr></thead><tbody>\n");
        string? lastMethod = null;
        foreach (var r in summary.Rows)
        {
            bool first = r.Method != lastMethod;
            lastMethod = r.Method;
            sb.Append("<tr data-method=\"").Append(E(r.Method)).Append("\" data-attack=\"").Append(E(r.Attack))
              .Append("\" data-eps=\"").Append(E(Eps(r.Epsilon))).Append('"').Append(first ? " class=\"first\"" : "").Append('>');
            sb.Append("<td class=\"").Append(first ? "meth" : "meth rep").Append("\">").Append(E(DisplayNames.Method(r.Method))).Append("</td><td>")
              .Append(E(DisplayNames.Attack(r.Attack))).Append("</td><td class=\"num\">").Append(E(Eps(r.Epsilon)))
              .Append("</td><td class=\"num\">").Append(r.Images.ToString(Inv)).Append("</td>");
            Cell(sb, r.TopkIntersectionMean, r.TopkIntersectionStd, "0.00", bar: true);
            Cell(sb, r.SpearmanMean, r.SpearmanStd, "0.00", bar: true);
            if (kendall) Cell(sb, r.KendallMean, r.KendallStd, "0.00", bar: false);
            Cell(sb, r.CenterShiftMean, r.CenterShiftStd, "0.00", bar: false);
            sb.Append("<td class=\"num\">").Append(double.IsFinite(r.LabelKeptRate) ? r.LabelKeptRate.ToString("0.0%", Inv) : "—").Append("</td>")
              .Append("<td class=\"num").Append(r.Failures > 0 ? " warn" : "").Append("\">").Append(r.Failures.ToString(Inv)).Append("</td>")
              .Append("<td class=\"num\">").Append(Num(r.ConfidenceBeforeMean, "0.00")).Append(" → ").Append(Num(r.ConfidenceAfterMean, "0.00")).Append("</td>");
            if (kColumn) sb.Append("<td class=\"num\">").Append(r.K is int k ? k.ToString(Inv) : "—").Append("</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody></table></div>\n</section>\n");
    }

    private static void Cell(StringBuilder sb, double mean, double std, string format, bool bar)
    {
        sb.Append("<td class=\"num\">");
        if (bar && double.IsFinite(mean))
            sb.Append("<span class=\"bar\" style=\"--v:").Append(Math.Clamp(mean, 0, 1).ToString("0.###", Inv)).Append("\"></span>");
        sb.Append(Num(mean, format));
        if (double.IsFinite(std)) sb.Append(" <span class=\"pm\">± ").Append(Num(std, format)).Append("</span>");
        sb.Append("</td>");
    }

    /// <summary>Writes the per-input gallery; loads and renders the arrays of the first inputs.</summary>
    private sealed class GalleryWriter(HtmlReport options, string sweepDir, RunInfo run, IReadOnlyList<ResultRecord> records, SweepSummary summary)
    {
        private readonly string _arrays = Path.Combine(sweepDir, "arrays");
        private readonly Dictionary<(int, string, string, double), ResultRecord> _byKey =
            records.ToDictionary(r => (r.Image, r.Method, r.Attack, r.Epsilon));
        private int _missing;
        private readonly List<string> _corrupt = [];

        public List<string> Warnings { get; } = [];

        public string Write()
        {
            var sb = new StringBuilder();
            var images = records.Select(r => r.Image).Distinct().Order().ToList();
            var shown = images.Take(Math.Max(0, options.GalleryLimit)).ToList();
            string defaultEps = summary.Epsilons.Count > 0 ? Eps(summary.Epsilons[^1]) : "";
            sb.Append("<h2 id=\"gallery\">Gallery</h2>\n");
            sb.Append("<div class=\"legend\"><span>Showing ε = <b class=\"eps-value\">").Append(E(defaultEps)).Append("</b> (change it above)</span>")
              .Append("<span>map: low").Append(ColourBar(options.MapColormap)).Append("high (the maps of one input and method share one scale, topped at the ")
              .Append(E(options.MapClipPercentile.ToString("0.#", Inv))).Append("th percentile of the brightest)</span>")
              .Append("<span><b class=\"mk-topk\">□</b> outline = top-k pixels</span><span><b class=\"mk-com\">+</b> centre of mass</span>")
              .Append("<span>δ = perturbed − clean, amplified: −").Append(ColourBar(Colormaps.CoolWarm)).Append("+ (grey = unchanged)</span></div>\n");
            if (images.Count > shown.Count)
                sb.Append("<p class=\"muted\">The first ").Append(shown.Count.ToString(Inv)).Append(" of ").Append(images.Count.ToString(Inv))
                  .Append(" inputs are shown (HtmlReport.GalleryLimit).</p>\n");
            sb.Append("<div id=\"gallery-list\">\n");
            foreach (int image in shown) WriteInput(sb, image, defaultEps);
            if (shown.Count == 0) sb.Append("<p class=\"empty\">No inputs yet.</p>");
            sb.Append("</div>\n");
            if (_missing > 0)
                Warnings.Add($"{_missing} array file(s) under arrays/ are missing; the gallery shows placeholders for them.");
            foreach (var c in _corrupt.Take(5)) Warnings.Add(c);
            if (_corrupt.Count > 5) Warnings.Add($"... and {_corrupt.Count - 5} more unreadable array files.");
            return sb.ToString();
        }

        private static string ColourBar(Colormap colormap)
        {
            var ramp = Enumerable.Range(0, 64).Select(i => i / 63f).ToArray();
            byte[] png = HeatmapRenderer.RenderMap(ramp, 1, 64, new HeatmapOptions { Colormap = colormap, Scale = 1, Min = 0, Max = 1 });
            return "<img src=\"" + HtmlBuilder.PngDataUri(png) + "\" alt=\"colour scale\">";
        }

        private void WriteInput(StringBuilder sb, int image, string defaultEps)
        {
            var mine = records.Where(r => r.Image == image).ToList();
            var first = mine[0];
            string className = first.LabelName ?? (first.Label is int l ? ClassName(l) : "unknown class");
            var clean = LoadImage($"x_{image.ToString(Inv)}.npy");
            double? confidence = mine.Select(r => r.ConfidenceBefore).FirstOrDefault(c => c is not null);

            sb.Append("<section class=\"input\" data-index=\"").Append(image.ToString(Inv)).Append("\" id=\"input-").Append(image.ToString(Inv)).Append("\">\n")
              .Append("<div class=\"input-head\"><span class=\"idx\">#").Append(image.ToString(Inv)).Append("</span><span class=\"cls\">")
              .Append(E(className)).Append("</span>");
            if (mine.Select(r => r.Item).FirstOrDefault(i => !string.IsNullOrEmpty(i)) is string item)
                sb.Append("<span class=\"item\">").Append(E(item)).Append("</span>");
            sb.Append("<span class=\"pred\">clean prediction ").Append(E(className));
            if (confidence is double c0) sb.Append(" · confidence ").Append(Num(c0, "0.00"));
            // Card width: label column, three image columns and gaps, so that cards never overflow.
            int card = 110 + 3 * ((clean is null ? options.GalleryDisplaySize : DisplayWidth(clean.W)) + 8) + 26;
            sb.Append("</span></div>\n<div class=\"mcards\" style=\"--card:").Append(card.ToString(Inv)).Append("px\">\n");

            foreach (var method in summary.Methods)
            {
                if (!mine.Any(r => r.Method == method)) continue;
                var before = LoadMap($"map_{image.ToString(Inv)}_{method}.npy");
                // One colour scale for the clean map and every perturbed map of this input and method, so equal colours mean equal values.
                var afters = new Dictionary<ResultRecord, Grid?>();
                foreach (var rec in mine.Where(r => r.Method == method))
                    afters[rec] = LoadMap($"advmap_{rec.Image.ToString(Inv)}_{rec.Method}_{rec.Attack}_{Eps(rec.Epsilon)}.npy");
                var maps = afters.Values.Append(before).OfType<Grid>().Select(g => g.Data).ToList();
                _shared = maps.Count == 0 ? 1 : HeatmapRenderer.SharedMax(maps, options.MapClipPercentile);
                _k = mine.Select(r => r.K).FirstOrDefault(k => k is not null) ?? run.K;
                sb.Append("<article class=\"mcard\" data-method=\"").Append(E(method)).Append("\"><h4>").Append(E(DisplayNames.Method(method)))
                  .Append("</h4><div class=\"mgrid\">")
                  .Append("<div class=\"colhead\"></div><div class=\"colhead\">input</div><div class=\"colhead\">δ amplified</div><div class=\"colhead\">map</div>")
                  .Append("<div class=\"rowlabel\"><span class=\"name\">Clean</span><span class=\"lab\">").Append(E(className));
                if (confidence is double c1) sb.Append(" · ").Append(Num(c1, "0.00"));
                sb.Append("</span></div>");
                sb.Append(clean is null ? Missing() : Img(HeatmapRenderer.RenderImage(clean.Data, clean.C, clean.H, clean.W), clean.W, "clean input"));
                sb.Append("<div></div>");
                sb.Append(before is null ? Missing() : Img(RenderMap(before), before.W * MapScale(before), "map of the clean input"));

                foreach (var attack in summary.Attacks)
                    foreach (double eps in summary.Epsilons)
                        if (_byKey.TryGetValue((image, method, attack, eps), out var rec))
                            WriteAttackRow(sb, rec, clean, defaultEps, afters.GetValueOrDefault(rec));
                sb.Append("</div></article>\n");
            }
            sb.Append("</div>\n</section>\n");
        }

        private void WriteAttackRow(StringBuilder sb, ResultRecord rec, Grid? clean, string defaultEps, Grid? advMap)
        {
            string eps = Eps(rec.Epsilon);
            string suffix = $"{rec.Image.ToString(Inv)}_{rec.Method}_{rec.Attack}_{eps}.npy";
            sb.Append("<div class=\"arow\" data-attack=\"").Append(E(rec.Attack)).Append("\" data-eps=\"").Append(E(eps))
              .Append("\" data-topk=\"").Append(Data(rec.TopkIntersection)).Append("\" data-spearman=\"").Append(Data(rec.Spearman))
              .Append("\" data-shift=\"").Append(Data(rec.CenterShift)).Append('"').Append(eps == defaultEps ? "" : " hidden").Append('>');

            sb.Append("<div class=\"rowlabel\"><span class=\"name\">").Append(E(DisplayNames.Attack(rec.Attack)));
            if (rec.Failed) sb.Append("<span class=\"badge\" title=\"no label-keeping perturbation found; clean input kept\">failed</span>");
            sb.Append("</span><span class=\"m\">∩ ").Append(Pill(rec.TopkIntersection)).Append(" ρ ").Append(Pill(rec.Spearman)).Append("</span>")
              .Append("<span class=\"m\">");
            if (rec.Kendall is double tau) sb.Append("τ ").Append(Num(tau, "0.00")).Append(" · ");
            sb.Append("shift ").Append(rec.CenterShift is double s ? Num(s, "0.0") + " px" : "—").Append("</span>");
            bool kept = rec.EffectiveLabelKept ?? true;
            string after = rec.LabelAfter is int la ? ClassName(la) : kept ? "same label" : "?";
            sb.Append("<span class=\"lab").Append(kept ? "" : " bad").Append("\">→ ").Append(E(after));
            if (rec.ConfidenceAfter is double ca) sb.Append(' ').Append(Num(ca, "0.00"));
            sb.Append(kept ? " ✓" : " ✗ label changed");
            if (rec.Linf is double linf) sb.Append(" · L∞ ").Append(Num(linf, "0.#"));
            sb.Append("</span></div>");

            var adv = LoadImage("adv_" + suffix);
            sb.Append(adv is null ? Missing() : Img(HeatmapRenderer.RenderImage(adv.Data, adv.C, adv.H, adv.W), adv.W, "perturbed input"));
            if (adv is not null && clean is not null && adv.Data.Length == clean.Data.Length)
            {
                double amp = HeatmapRenderer.MaxAbsDifference(clean.Data, adv.Data) * 255;
                sb.Append(Img(HeatmapRenderer.RenderPerturbation(clean.Data, adv.Data, clean.C, clean.H, clean.W), clean.W,
                    $"perturbation, largest change {amp.ToString("0.##", Inv)} of 255"));
            }
            else sb.Append(Missing());
            sb.Append(advMap is null ? Missing() : Img(RenderMap(advMap), advMap.W * MapScale(advMap), "map of the perturbed input"));
            sb.Append("</div>");
        }

        private string ClassName(int label) =>
            label >= 0 && label < run.ClassNames.Count ? run.ClassNames[label] : "class " + label.ToString(Inv);

        private static string Pill(double? v)
        {
            if (v is not double x || !double.IsFinite(x)) return "—";
            string cls = x >= 0.8 ? "hi" : x >= 0.5 ? "mid" : "lo";
            return $"<span class=\"pill {cls}\">{x.ToString("0.00", Inv)}</span>";
        }

        private static string Data(double? v) => v is double x && double.IsFinite(x) ? x.ToString("R", Inv) : "";

        private double _shared = 1;
        private int? _k;

        // Maps are drawn at display size (not scaled by the browser), so that the one-pixel top-k outline stays sharp.
        private int MapScale(Grid map) => Math.Max(1, options.GalleryDisplaySize / Math.Max(1, map.W));

        private byte[] RenderMap(Grid map) => HeatmapRenderer.RenderMap(map.Data, map.H, map.W, new HeatmapOptions
        {
            Colormap = options.MapColormap, Scale = MapScale(map), Min = 0, Max = _shared,
            // A shrunk map has f x f fewer pixels: its top k shrinks alike.
            TopK = _k is int k ? Math.Max(1, k / (map.Factor * map.Factor)) : 0,
            MarkCenterOfMass = true,
        });

        private string Img(byte[] png, int nativeWidth, string alt)
        {
            int display = DisplayWidth(nativeWidth);
            return "<img src=\"" + HtmlBuilder.PngDataUri(png) + "\" width=\"" + display.ToString(Inv) + "\" alt=\"" + E(alt) + "\" title=\"" + E(alt) + "\""
                + (display > nativeWidth ? " class=\"px\"" : "") + ">";
        }

        private string Missing()
        {
            int d = options.GalleryDisplaySize;
            return $"<div class=\"missing\" style=\"width:{d}px;height:{d}px\">missing</div>";
        }

        private int DisplayWidth(int nativeWidth) =>
            nativeWidth >= options.GalleryDisplaySize ? options.GalleryDisplaySize : nativeWidth * Math.Max(1, options.GalleryDisplaySize / nativeWidth);

        private Grid? LoadImage(string name)
        {
            var npy = Load(name);
            if (npy is null) return null;
            var shape = npy.Shape;
            if (shape.Count == 2) return Shrink(new Grid(npy.ToSingle(), 1, shape[0], shape[1]));
            if (shape.Count == 3 && shape[0] is 1 or 3) return Shrink(new Grid(npy.ToSingle(), shape[0], shape[1], shape[2]));
            _corrupt.Add($"arrays/{name} has shape ({string.Join(", ", shape)}); expected an image [C, H, W] with C = 1 or 3.");
            return null;
        }

        private Grid? LoadMap(string name)
        {
            var npy = Load(name);
            if (npy is null) return null;
            var shape = npy.Shape;
            if (shape.Count == 2) return Shrink(new Grid(npy.ToSingle(), 1, shape[0], shape[1]));
            if (shape.Count == 3 && shape[0] == 1) return Shrink(new Grid(npy.ToSingle(), 1, shape[1], shape[2]));
            _corrupt.Add($"arrays/{name} has shape ({string.Join(", ", shape)}); expected a map [H, W].");
            return null;
        }

        private NpyFile? Load(string name)
        {
            string path = Path.Combine(_arrays, name);
            // Method and attack names become file names: never let one point outside arrays/.
            if (name.IndexOfAny(['/', '\\', '\0']) >= 0 || !File.Exists(path))
            {
                _missing++;
                return null;
            }
            try { return NpyFile.Read(path); }
            catch (FragilityException e)
            {
                _corrupt.Add(e.Message);
                return null;
            }
        }

        /// <summary>Averages blocks of f x f pixels so that the longer side is at most GalleryImageMaxSide.</summary>
        private Grid Shrink(Grid g)
        {
            if (g.H == 0 || g.W == 0) return g;
            int f = (Math.Max(g.H, g.W) + options.GalleryImageMaxSide - 1) / Math.Max(1, options.GalleryImageMaxSide);
            if (f <= 1) return g;
            int h = Math.Max(1, g.H / f), w = Math.Max(1, g.W / f);
            var data = new float[g.C * h * w];
            for (int c = 0; c < g.C; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        double sum = 0;
                        int n = 0;
                        for (int dy = 0; dy < f && y * f + dy < g.H; dy++)
                            for (int dx = 0; dx < f && x * f + dx < g.W; dx++, n++)
                                sum += g.Data[(c * g.H + y * f + dy) * g.W + x * f + dx];
                        data[(c * h + y) * w + x] = (float)(sum / n);
                    }
            return new Grid(data, g.C, h, w, f);
        }
    }

    /// <summary>A float array [C, H, W] in C order.</summary>
    private sealed record Grid(float[] Data, int C, int H, int W, int Factor = 1);
}
