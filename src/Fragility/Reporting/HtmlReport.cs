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
/// Every element is written through <see cref="HtmlBuilder"/>, so every string read from files is HTML-escaped.
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

        var gallery = new GalleryWriter(this, sweepDir, run, results.Records, summary);
        var galleryHtml = gallery.Write();
        notes.AddRange(gallery.Warnings);
        var lead = Render(LeadSections, "lead", notes);
        var sections = Render(Sections, "section", notes);

        string title = Title ?? "Fragility report";
        var html = new HtmlBuilder();
        WriteHead(html, run.Model is string model ? title + " — " + model : title);
        html.Open("body").Line();
        WriteHeader(html, title, run, results.Records, lead, sections);
        html.Open("main").Line();
        WriteSections(html, lead, "block lead");
        WriteIncomplete(html, run, results.Records);
        WriteClaim(html, run, results.Records, summary);
        WriteOverview(html, run, results.Records, summary, notes);
        WriteFigure(html, run, summary);
        WriteSettings(html, run);
        WriteToolbar(html, summary);
        WriteSummary(html, run, summary);
        html.Append(galleryHtml);
        WriteSections(html, sections, "block extra");
        WriteFooter(html);
        html.Close("main").ReportScript().Close("body").Close("html");
        warnings = notes;
        return html.ToString();
    }

    private static void WriteHead(HtmlBuilder html, string title) =>
        html.Doctype().Open("html", null, ("lang", "en")).Line().Open("head").Line()
            .Open("meta", null, ("charset", "utf-8")).Line()
            .Open("meta", null, ("name", "viewport"), ("content", "width=device-width, initial-scale=1")).Line()
            .Element("title", null, title).Line()
            .ReportStyleSheet().Close("head");

    private static void WriteFooter(HtmlBuilder html)
    {
        string version = typeof(HtmlReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        html.Element("footer", null, $"Written by Fragility {version.Split('+')[0]} on {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)}. "
            + "One self-contained file: no external resources.").Line();
    }

    /// <summary>Each rendered section under its heading, in a block of class <paramref name="cssClass"/>.</summary>
    private static void WriteSections(HtmlBuilder html, List<(string Id, string Title, HtmlBuilder Body)> sections, string cssClass)
    {
        foreach (var (id, title, body) in sections)
            html.Element("h2", null, title, ("id", id)).Line().Open("section", cssClass).Line().Append(body).Close("section");
    }

    /// <summary>Each section's title and body; a section that fails is replaced by a paragraph saying why (and a note).</summary>
    private static List<(string Id, string Title, HtmlBuilder Body)> Render(IList<IReportSection> sections, string idPrefix, List<string> notes)
    {
        var rendered = new List<(string Id, string Title, HtmlBuilder Body)>();
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
            rendered.Add(($"{idPrefix}-{i + 1}", title, builder));
        }
        return rendered;
    }

    internal static string Num(double v, string format) => double.IsFinite(v) ? v.ToString(format, Inv) : "—";

    internal static string Eps(double eps) => eps.ToString(Inv);

    private static void WriteHeader(HtmlBuilder html, string title, RunInfo run, IReadOnlyList<ResultRecord> records,
        List<(string Id, string Title, HtmlBuilder Body)> lead, List<(string Id, string Title, HtmlBuilder Body)> sections)
    {
        html.Open("header", "top").Open("div", "inner").Line().Element("h1", null, title).Line().Open("div", "sub");
        var parts = new List<Action>();
        if (run.Model is string model)
            parts.Add(() => html.Text("model ").Element("b", null, model).Text(run.Architecture is string a ? " (" + a + ")" : ""));
        if (run.Dataset is string dataset) parts.Add(() => html.Text("data ").Element("b", null, dataset));
        int inputs = records.Select(r => r.Image).Distinct().Count();
        parts.Add(() => html.Text(inputs.ToString(Inv) + " inputs"));
        if (run.CreatedUtc is string created) parts.Add(() => html.Text("run " + created));
        for (int i = 0; i < parts.Count; i++)
        {
            if (i > 0) html.Text(" · ");
            parts[i]();
        }
        html.Close("div");
        html.Open("p", "lead")
            .Text("Can a perturbation too small to see, that keeps the predicted label, move an explanation map more than random noise ")
            .Text("of the same size does? Maps of perturbed inputs are compared with the clean maps: ").Element("b", null, "top-k intersection")
            .Text(" (share of the k most important pixels that stay in the top k), ").Element("b", null, "Spearman")
            .Text(" rank correlation, ").Element("b", null, "centre-of-mass shift").Text(" in pixels; unchanged maps give 1, 1, 0. ")
            .Text("Reproduces Ghorbani, Abid & Zou, AAAI 2019 (arXiv:1710.10547).").Close("p");
        html.Open("nav");
        foreach (var (id, t, _) in lead) html.Link(id, t);
        html.Link("claim", "Claim").Link("figure", "Figure").Link("settings", "Settings").Link("summary", "Table").Link("gallery", "Gallery");
        foreach (var (id, t, _) in sections) html.Link(id, t);
        html.Close("nav").End("div").Close("header");
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
    private static void WriteIncomplete(HtmlBuilder html, RunInfo run, IReadOnlyList<ResultRecord> records)
    {
        if (PlannedGrid(run) is not var (pi, pm, pa, pe) || records.Count >= pi * pm * pa * pe) return;
        int planned = pi * pm * pa * pe;
        html.Open("div", "incomplete", ("id", "incomplete")).Element("b", null, "Incomplete run:")
            .Text($" results.jsonl holds {records.Count.ToString(Inv)} of the {planned.ToString(Inv)} planned results ({pi} inputs × {pm} methods × {pa} attacks × {pe} ε), ")
            .Text((100.0 * records.Count / planned).ToString("0", Inv) + " %. Everything below covers only the results present. ")
            .Text("Run the same sweep command again (see Settings) to resume it.").Close("div");
    }

    private static void WriteOverview(HtmlBuilder html, RunInfo run, IReadOnlyList<ResultRecord> records, SweepSummary summary, List<string> notes)
    {
        html.Open("div", "tiles").Line();
        var (value, detail) = GridText(run, records, summary);
        Tile(html, "Attacked maps", value, detail);
        var kept = records.Select(r => r.EffectiveLabelKept).Where(k => k is not null).ToList();
        int failures = records.Count(r => r.Failed);
        Tile(html, "Label kept", kept.Count == 0 ? "—" : (kept.Count(k => k == true) / (double)kept.Count).ToString("0.0%", Inv),
            $"{failures} failed attack{(failures == 1 ? "" : "s")} (clean input kept)");
        var ks = records.Select(r => r.K).Where(k => k is not null).Distinct().ToList();
        if (ks.Count == 1) Tile(html, "k (top-k pixels)", ks[0]!.Value.ToString(Inv), "the pixels the intersection compares");
        html.Close("div");
        if (notes.Count > 0)
        {
            html.Open("div", "warnings").Element("b", null, "Notes").Open("ul");
            foreach (var n in notes) html.Element("li", null, n);
            html.End("ul").Close("div");
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
    private static void WriteClaim(HtmlBuilder html, RunInfo run, IReadOnlyList<ResultRecord> records, SweepSummary summary)
    {
        var rows = ClaimRows(records, summary);
        html.Open("section", "claim", ("id", "claim")).Line();
        if (rows.Count == 0)
        {
            html.Element("p", "empty", "No comparison with random noise yet: the run needs the random attack and another attack at the same ε.")
                .Element("p", "budget", BudgetText(run, summary)).Close("section");
            return;
        }
        var beaten = rows.Where(r => r.TopkDiff.Upper < 0).Select(r => DisplayNames.Method(r.Method)).ToList();
        var notBeaten = rows.Where(r => !(r.TopkDiff.Upper < 0)).Select(r => DisplayNames.Method(r.Method)).ToList();
        html.Open("p", "headline");
        if (notBeaten.Count == 0)
            html.Text("For every method below, the attack moves the top-k pixels further than random noise of the same size: ");
        else if (beaten.Count == 0)
            html.Text("No method's map moved significantly more under the attack than under random noise of the same size: ");
        else
            html.Text("The attack moves the top-k pixels further than random noise of the same size for " + string.Join(", ", beaten)
                + ", not significantly for " + string.Join(", ", notBeaten) + ": ");
        html.Text("the paired 95 % interval of attacked − random lies below 0" + (notBeaten.Count == 0 ? "" : " where significant") + ".").Close("p");
        html.Open("div", "table-wrap").Open("table", "data claim-table").Open("thead").Open("tr")
            .Element("th", null, "Method").Element("th", null, "Attack").Element("th", "num", "ε").Element("th", "num", "n")
            .Element("th", "num grp", "Top-k ∩ attacked").Element("th", "num", "random").Element("th", "num", "difference [95 % CI]")
            .Element("th", "num grp", "Spearman attacked").Element("th", "num", "random").Element("th", "num", "difference [95 % CI]")
            .End("tr").End("thead").Open("tbody").Line();
        foreach (var r in rows)
        {
            html.Open("tr").Element("td", "meth", DisplayNames.Method(r.Method)).Element("td", null, DisplayNames.Attack(r.Attack))
                .Element("td", "num", Eps(r.Epsilon)).Element("td", "num", r.TopkDiff.Count.ToString(Inv));
            ClaimCells(html, r.TopkAttacked, r.TopkRandom, r.TopkDiff);
            ClaimCells(html, r.SpearmanAttacked, r.SpearmanRandom, r.SpearmanDiff);
            html.Close("tr");
        }
        html.End("tbody").End("table").Close("div")
            .Element("p", "muted small", "Means over the inputs that have both results. Difference = attacked − random, "
                + "paired per input; 95 % CI = Student-t interval of the mean of the per-input differences (mean ± t·s/√n). "
                + "Negative = the attack moved the map more. Failed attacks count with the clean input's values (1, 1).").Line()
            .Element("p", "budget", BudgetText(run, summary)).Line().Close("section");
    }

    private static void ClaimCells(HtmlBuilder html, double attacked, double random, MeanInterval diff)
    {
        const string Signed = "+0.00;−0.00;0.00";
        html.Element("td", "num grp strong", Num(attacked, "0.00")).Element("td", "num", Num(random, "0.00"))
            .Open("td", diff.Upper < 0 ? "num sig" : "num").Text(Num(diff.Mean, Signed) + " ")
            .Element("span", "pm", "[" + Num(diff.Lower, Signed) + ", " + Num(diff.Upper, Signed) + "]").End("td");
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

    private static void Tile(HtmlBuilder html, string key, string value, string detail) =>
        html.Open("div", "tile").Element("div", "k", key).Element("div", "v", value).Element("div", "d", detail).Close("div");

    private static void WriteSettings(HtmlBuilder html, RunInfo run)
    {
        html.Element("h2", null, "Run settings", ("id", "settings")).Line().Open("section", "block").Line();
        if (run.Command is string command)
            html.Open("div", "cmd").Element("div", "muted", "Command that produced this run", ("style", "margin-bottom:4px"))
                .Open("pre").Element("code", null, command).End("pre").Close("div");
        var entries = run.Raw.Where(p => p.Key != "command").ToList();
        if (entries.Count == 0) html.Element("p", "empty", "No settings recorded (run.json missing or empty).").Line();
        else
        {
            html.Open("div", "settings");
            int half = (entries.Count + 1) / 2;
            foreach (var chunk in new[] { entries.Take(half), entries.Skip(half) })
            {
                html.Open("table", "kv").Open("tbody");
                foreach (var (key, value) in chunk)
                    html.Open("tr").Element("th", null, key).Element("td", null, FormatSetting(key, value)).End("tr");
                html.End("tbody").End("table");
            }
            html.Close("div");
        }
        html.Close("section");
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

    private static void WriteToolbar(HtmlBuilder html, SweepSummary summary)
    {
        html.Open("div", "toolbar", ("id", "controls")).Line();
        FilterGroup(html, "Method", "method", summary.Methods, DisplayNames.Method);
        FilterGroup(html, "Attack", "attack", summary.Attacks, DisplayNames.Attack);
        var epsilons = summary.Epsilons.Select((e, i) => (Eps(e), Eps(e), i == summary.Epsilons.Count - 1));
        SelectGroup(html, "ctl-eps", "ε", "label greek", epsilons);
        SelectGroup(html, "ctl-sort", "Sort inputs", "label", [
            ("index", "by index", false), ("topk", "top-k intersection, lowest first", false),
            ("spearman", "Spearman, lowest first", false), ("shift", "centre shift, largest first", false)]);
        html.Element("span", "count", "", ("id", "ctl-count")).Line().Close("div");
    }

    /// <summary>A group of checked check boxes, one per value, that report.js reads through <c>data-filter</c>.</summary>
    private static void FilterGroup(HtmlBuilder html, string label, string filter, IEnumerable<string> values, Func<string, string> displayName)
    {
        html.Open("div", "group").Element("span", "label", label);
        foreach (var v in values)
            html.Open("label", "chip").Open("input", null, ("type", "checkbox"), ("data-filter", filter), ("value", v), ("checked", HtmlBuilder.Flag(true)))
                .Text(displayName(v)).End("label");
        html.Close("div");
    }

    /// <summary>A labelled drop-down list with the given options (value, text, selected).</summary>
    private static void SelectGroup(HtmlBuilder html, string id, string label, string labelClass, IEnumerable<(string Value, string Text, bool Selected)> options)
    {
        html.Open("div", "group").Element("label", labelClass, label, ("for", id)).Open("select", null, ("id", id));
        foreach (var (value, text, selected) in options)
            html.Element("option", null, text, ("value", value), ("selected", HtmlBuilder.Flag(selected)));
        html.End("select").Close("div");
    }

    private static void WriteFigure(HtmlBuilder html, RunInfo run, SweepSummary summary)
    {
        html.Open("figure", "figure first-figure", ("id", "figure"));
        if (summary.Rows.Count > 0)
        {
            string title = string.Join(" on ", new[] { run.Model, run.Dataset }.Where(s => !string.IsNullOrEmpty(s)));
            byte[] png = PaperFigure.Render(summary, title.Length > 0 ? "Fragility of explanations: " + title : null);
            html.Img(png, "Top-k intersection, Spearman correlation and centre-of-mass shift against epsilon, per method and attack")
                .Element("figcaption", null, "Columns: explanation methods. Rows: top-k intersection, Spearman rank correlation and centre-of-mass shift "
                    + "against ε (0–255 scale; ε = 0 is the clean input). Lines are means over inputs; bands are 95 % confidence intervals of "
                    + "those means (Student t), not the spread of single inputs; the random-sign baseline is dashed. Where a band of an attack "
                    + "and the dashed band overlap, the paired intervals in the table above are the test.");
        }
        else html.Element("p", "empty", "No results yet.");
        html.Close("figure");
    }

    private static void WriteSummary(HtmlBuilder html, RunInfo run, SweepSummary summary)
    {
        html.Element("h2", null, "Summary table", ("id", "summary")).Line().Open("section", "block").Line();

        var ks = summary.Rows.Select(r => r.K).Where(k => k is not null).Distinct().ToList();
        bool kColumn = ks.Count > 1;
        string kNote = ks.Count == 1 ? $"k = {ks[0]!.Value.ToString(Inv)} pixels. " : run.K is int rk && ks.Count == 0 ? $"k = {rk.ToString(Inv)} pixels. " : "";
        html.Open("p", "muted").Text("Mean ").Element("span", "pm", "± sample standard deviation")
            .Text(" over inputs (the spread of single inputs, not a confidence interval). " + kNote)
            .Text("Failed attacks (no label-keeping perturbation found) return the clean input and count with its metrics (1, 1, 0); ")
            .Text("they are also counted under Failures. Rows at the ε selected in the toolbar are highlighted.").Close("p");
        bool kendall = summary.Rows.Any(r => double.IsFinite(r.KendallMean));
        html.Open("div", "table-wrap").Open("table", "data", ("id", "summary-table")).Open("thead").Open("tr")
            .Element("th", null, "Method").Element("th", null, "Attack").Element("th", "num", "ε").Element("th", "num", "n")
            .Element("th", null, "Top-k intersection").Element("th", null, "Spearman ρ");
        if (kendall) html.Element("th", null, "Kendall τ");
        html.Element("th", "num", "Centre shift (px)").Element("th", "num", "Label kept").Element("th", "num", "Failures").Element("th", "num", "Confidence");
        if (kColumn) html.Element("th", "num", "k");
        html.End("tr").End("thead").Open("tbody").Line();
        string? lastMethod = null;
        foreach (var r in summary.Rows)
        {
            bool first = r.Method != lastMethod;
            lastMethod = r.Method;
            // The class comes after the data attributes, as report.js and the tests find rows by "<tr data-method=".
            html.Open("tr", null, ("data-method", r.Method), ("data-attack", r.Attack), ("data-eps", Eps(r.Epsilon)), ("class", first ? "first" : null))
                .Element("td", first ? "meth" : "meth rep", DisplayNames.Method(r.Method)).Element("td", null, DisplayNames.Attack(r.Attack))
                .Element("td", "num", Eps(r.Epsilon)).Element("td", "num", r.Images.ToString(Inv));
            Cell(html, r.TopkIntersectionMean, r.TopkIntersectionStd, "0.00", bar: true);
            Cell(html, r.SpearmanMean, r.SpearmanStd, "0.00", bar: true);
            if (kendall) Cell(html, r.KendallMean, r.KendallStd, "0.00", bar: false);
            Cell(html, r.CenterShiftMean, r.CenterShiftStd, "0.00", bar: false);
            html.Element("td", "num", double.IsFinite(r.LabelKeptRate) ? r.LabelKeptRate.ToString("0.0%", Inv) : "—")
                .Element("td", r.Failures > 0 ? "num warn" : "num", r.Failures.ToString(Inv))
                .Element("td", "num", Num(r.ConfidenceBeforeMean, "0.00") + " → " + Num(r.ConfidenceAfterMean, "0.00"));
            if (kColumn) html.Element("td", "num", r.K is int k ? k.ToString(Inv) : "—");
            html.Close("tr");
        }
        html.End("tbody").End("table").Close("div").Close("section");
    }

    private static void Cell(HtmlBuilder html, double mean, double std, string format, bool bar)
    {
        html.Open("td", "num");
        if (bar && double.IsFinite(mean))
            html.Element("span", "bar", "", ("style", "--v:" + Math.Clamp(mean, 0, 1).ToString("0.###", Inv)));
        html.Text(Num(mean, format));
        if (double.IsFinite(std)) html.Text(" ").Element("span", "pm", "± " + Num(std, format));
        html.End("td");
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

        public HtmlBuilder Write()
        {
            var html = new HtmlBuilder();
            var images = records.Select(r => r.Image).Distinct().Order().ToList();
            var shown = images.Take(Math.Max(0, options.GalleryLimit)).ToList();
            string defaultEps = summary.Epsilons.Count > 0 ? Eps(summary.Epsilons[^1]) : "";
            html.Element("h2", null, "Gallery", ("id", "gallery")).Line();
            WriteLegend(html, defaultEps);
            if (images.Count > shown.Count)
                html.Element("p", "muted", $"The first {shown.Count.ToString(Inv)} of {images.Count.ToString(Inv)} inputs are shown (HtmlReport.GalleryLimit).").Line();
            html.Open("div", null, ("id", "gallery-list")).Line();
            foreach (int image in shown) WriteInput(html, image, defaultEps);
            if (shown.Count == 0) html.Element("p", "empty", "No inputs yet.");
            html.Close("div");
            if (_missing > 0)
                Warnings.Add($"{_missing} array file(s) under arrays/ are missing; the gallery shows placeholders for them.");
            foreach (var c in _corrupt.Take(5)) Warnings.Add(c);
            if (_corrupt.Count > 5) Warnings.Add($"... and {_corrupt.Count - 5} more unreadable array files.");
            return html;
        }

        private void WriteLegend(HtmlBuilder html, string defaultEps)
        {
            html.Open("div", "legend")
                .Open("span").Text("Showing ε = ").Element("b", "eps-value", defaultEps).Text(" (change it above)").End("span")
                .Open("span").Text("map: low").Img(ColourBar(options.MapColormap), "colour scale")
                .Text("high (the maps of one input and method share one scale, topped at the "
                    + options.MapClipPercentile.ToString("0.#", Inv) + "th percentile of the brightest)").End("span")
                .Open("span").Element("b", "mk-topk", "□").Text(" outline = top-k pixels").End("span")
                .Open("span").Element("b", "mk-com", "+").Text(" centre of mass").End("span")
                .Open("span").Text("δ = perturbed − clean, amplified: −").Img(ColourBar(Colormaps.CoolWarm), "colour scale")
                .Text("+ (grey = unchanged)").End("span")
                .Close("div");
        }

        private static byte[] ColourBar(Colormap colormap)
        {
            var ramp = Enumerable.Range(0, 64).Select(i => i / 63f).ToArray();
            return HeatmapRenderer.RenderMap(ramp, 1, 64, new HeatmapOptions { Colormap = colormap, Scale = 1, Min = 0, Max = 1 });
        }

        private void WriteInput(HtmlBuilder html, int image, string defaultEps)
        {
            var mine = records.Where(r => r.Image == image).ToList();
            var first = mine[0];
            string className = first.LabelName ?? (first.Label is int l ? ClassName(l) : "unknown class");
            var clean = LoadImage($"x_{image.ToString(Inv)}.npy");
            double? confidence = mine.Select(r => r.ConfidenceBefore).FirstOrDefault(c => c is not null);
            string index = image.ToString(Inv);

            html.Open("section", "input", ("data-index", index), ("id", "input-" + index)).Line()
                .Open("div", "input-head").Element("span", "idx", "#" + index).Element("span", "cls", className);
            if (mine.Select(r => r.Item).FirstOrDefault(i => !string.IsNullOrEmpty(i)) is string item)
                html.Element("span", "item", item);
            html.Element("span", "pred", "clean prediction " + className + (confidence is double c0 ? " · confidence " + Num(c0, "0.00") : ""))
                .Close("div");
            // Card width: label column, three image columns and gaps, so that cards never overflow.
            int card = 110 + 3 * ((clean is null ? options.GalleryDisplaySize : DisplayWidth(clean.W)) + 8) + 26;
            html.Open("div", "mcards", ("style", "--card:" + card.ToString(Inv) + "px")).Line();

            foreach (var method in summary.Methods)
            {
                if (!mine.Any(r => r.Method == method)) continue;
                var before = LoadMap($"map_{index}_{method}.npy");
                // One colour scale for the clean map and every perturbed map of this input and method, so equal colours mean equal values.
                var afters = new Dictionary<ResultRecord, Grid?>();
                foreach (var rec in mine.Where(r => r.Method == method))
                    afters[rec] = LoadMap($"advmap_{rec.Image.ToString(Inv)}_{rec.Method}_{rec.Attack}_{Eps(rec.Epsilon)}.npy");
                var maps = afters.Values.Append(before).OfType<Grid>().Select(g => g.Data).ToList();
                _shared = maps.Count == 0 ? 1 : HeatmapRenderer.SharedMax(maps, options.MapClipPercentile);
                _k = mine.Select(r => r.K).FirstOrDefault(k => k is not null) ?? run.K;
                html.Open("article", "mcard", ("data-method", method)).Element("h4", null, DisplayNames.Method(method)).Open("div", "mgrid")
                    .Element("div", "colhead", "").Element("div", "colhead", "input").Element("div", "colhead", "δ amplified").Element("div", "colhead", "map")
                    .Open("div", "rowlabel").Element("span", "name", "Clean")
                    .Element("span", "lab", className + (confidence is double c1 ? " · " + Num(c1, "0.00") : "")).End("div");
                if (clean is null) Missing(html);
                else Img(html, HeatmapRenderer.RenderImage(clean.Data, clean.C, clean.H, clean.W), clean.W, "clean input");
                html.Element("div", null, "");
                if (before is null) Missing(html);
                else Img(html, RenderMap(before), before.W * MapScale(before), "map of the clean input");

                foreach (var attack in summary.Attacks)
                    foreach (double eps in summary.Epsilons)
                        if (_byKey.TryGetValue((image, method, attack, eps), out var rec))
                            WriteAttackRow(html, rec, clean, defaultEps, afters.GetValueOrDefault(rec));
                html.End("div").Close("article");
            }
            html.Close("div").Close("section");
        }

        private void WriteAttackRow(HtmlBuilder html, ResultRecord rec, Grid? clean, string defaultEps, Grid? advMap)
        {
            string eps = Eps(rec.Epsilon);
            string suffix = $"{rec.Image.ToString(Inv)}_{rec.Method}_{rec.Attack}_{eps}.npy";
            // report.js filters rows by data-attack and data-eps and sorts inputs by the metric attributes.
            html.Open("div", "arow", ("data-attack", rec.Attack), ("data-eps", eps), ("data-topk", Data(rec.TopkIntersection)),
                ("data-spearman", Data(rec.Spearman)), ("data-shift", Data(rec.CenterShift)), ("hidden", HtmlBuilder.Flag(eps != defaultEps)));

            html.Open("div", "rowlabel").Open("span", "name").Text(DisplayNames.Attack(rec.Attack));
            if (rec.Failed) html.Element("span", "badge", "failed", ("title", "no label-keeping perturbation found; clean input kept"));
            html.End("span").Open("span", "m").Text("∩ ");
            Pill(html, rec.TopkIntersection);
            html.Text(" ρ ");
            Pill(html, rec.Spearman);
            html.End("span").Open("span", "m");
            if (rec.Kendall is double tau) html.Text("τ " + Num(tau, "0.00") + " · ");
            html.Text("shift " + (rec.CenterShift is double s ? Num(s, "0.0") + " px" : "—")).End("span");
            bool kept = rec.EffectiveLabelKept ?? true;
            string after = rec.LabelAfter is int la ? ClassName(la) : kept ? "same label" : "?";
            html.Element("span", kept ? "lab" : "lab bad", "→ " + after
                + (rec.ConfidenceAfter is double ca ? " " + Num(ca, "0.00") : "")
                + (kept ? " ✓" : " ✗ label changed")
                + (rec.Linf is double linf ? " · L∞ " + Num(linf, "0.#") : "")).End("div");

            var adv = LoadImage("adv_" + suffix);
            if (adv is null) Missing(html);
            else Img(html, HeatmapRenderer.RenderImage(adv.Data, adv.C, adv.H, adv.W), adv.W, "perturbed input");
            if (adv is not null && clean is not null && adv.Data.Length == clean.Data.Length)
            {
                double amp = HeatmapRenderer.MaxAbsDifference(clean.Data, adv.Data) * 255;
                Img(html, HeatmapRenderer.RenderPerturbation(clean.Data, adv.Data, clean.C, clean.H, clean.W), clean.W,
                    $"perturbation, largest change {amp.ToString("0.##", Inv)} of 255");
            }
            else Missing(html);
            if (advMap is null) Missing(html);
            else Img(html, RenderMap(advMap), advMap.W * MapScale(advMap), "map of the perturbed input");
            html.End("div");
        }

        private string ClassName(int label) =>
            label >= 0 && label < run.ClassNames.Count ? run.ClassNames[label] : "class " + label.ToString(Inv);

        private static void Pill(HtmlBuilder html, double? v)
        {
            if (v is not double x || !double.IsFinite(x))
            {
                html.Text("—");
                return;
            }
            html.Element("span", "pill " + (x >= 0.8 ? "hi" : x >= 0.5 ? "mid" : "lo"), x.ToString("0.00", Inv));
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

        private void Img(HtmlBuilder html, byte[] png, int nativeWidth, string alt)
        {
            int display = DisplayWidth(nativeWidth);
            html.Img(png, alt, ("width", display.ToString(Inv)), ("title", alt), ("class", display > nativeWidth ? "px" : null));
        }

        private void Missing(HtmlBuilder html)
        {
            int d = options.GalleryDisplaySize;
            html.Element("div", "missing", "missing", ("style", $"width:{d.ToString(Inv)}px;height:{d.ToString(Inv)}px"));
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
