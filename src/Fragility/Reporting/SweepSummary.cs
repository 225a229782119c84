using System.Globalization;
using Fragility.IO;
using Fragility.Metrics;
using MathNet.Numerics.Statistics;

namespace Fragility.Reporting;

/// <summary>
/// The per-(method, attack, epsilon) aggregates of a sweep's results (one <see cref="SummaryRow"/> each), and
/// their CSV form (<c>summary.csv</c>).
/// </summary>
/// <remarks>
/// Failed attacks (no label-keeping iterate was found) return the clean input, so their metrics are those of the
/// clean input: top-k intersection 1, Spearman 1, Kendall 1, centre shift 0. They are included in the means and
/// standard deviations like any other input (a record of a failed attack that leaves a metric out gets these clean
/// values), and counted separately in <see cref="SummaryRow.Failures"/>. Leaving them out would make a method look
/// more fragile than it is. Rows are ordered by method (run.json order, then first appearance), attack (likewise)
/// and ascending epsilon.
/// </remarks>
public sealed class SweepSummary
{
    /// <summary>File name of the summary inside a sweep folder.</summary>
    public const string FileName = "summary.csv";

    /// <summary>The columns of summary.csv of a sweep with the default metrics, in order (see <see cref="ToCsv"/>).</summary>
    public static IReadOnlyList<string> CsvColumns { get; } =
    [
        "method", "attack", "epsilon", "images", "topk_intersection_mean", "topk_intersection_std", "spearman_mean",
        "spearman_std", "center_shift_mean", "center_shift_std", "label_kept_rate", "failures", "kendall_mean",
        "kendall_std", "confidence_before_mean", "confidence_after_mean", "linf_mean", "linf_max", "k", "seconds_mean",
    ];

    private SweepSummary(IReadOnlyList<SummaryRow> rows, IReadOnlyList<string> methods, IReadOnlyList<string> attacks, IReadOnlyList<double> epsilons,
        IReadOnlyList<string>? metrics)
    {
        Metrics = metrics;
        Rows = rows;
        Methods = methods;
        Attacks = attacks;
        Epsilons = epsilons;
    }

    /// <summary>One row per (method, attack, epsilon) present in the results, ordered as described in the remarks.</summary>
    public IReadOnlyList<SummaryRow> Rows { get; }

    /// <summary>Methods in row order.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>Attacks in row order.</summary>
    public IReadOnlyList<string> Attacks { get; }

    /// <summary>Epsilons present, ascending (0-255 scale).</summary>
    public IReadOnlyList<double> Epsilons { get; }

    /// <summary>The metrics chosen with sweep --metrics (catalogue order), or null for the default four.</summary>
    public IReadOnlyList<string>? Metrics { get; }

    /// <summary>The columns of <see cref="ToCsv"/>: <see cref="CsvColumns"/> for the default metrics; else without the
    /// columns of the default metrics not chosen, followed by NAME_mean and NAME_std of each other chosen metric.</summary>
    public IReadOnlyList<string> Columns => Metrics is null ? CsvColumns
        : CsvColumns.Where(c => MetricOfColumn(c) is not string m || Metrics.Contains(m))
            .Concat(OtherMetrics.SelectMany(m => new[] { m + "_mean", m + "_std" })).ToArray();

    private IEnumerable<string> OtherMetrics => (Metrics ?? []).Except(MetricCatalogue.DefaultNames);

    private static string? MetricOfColumn(string column) =>
        MetricCatalogue.DefaultNames.FirstOrDefault(m => column == m + "_mean" || column == m + "_std");

    /// <summary>The row of a cell, or null if the results have none.</summary>
    public SummaryRow? Find(string method, string attack, double epsilon) =>
        Rows.FirstOrDefault(r => r.Method == method && r.Attack == attack && r.Epsilon == epsilon);

    /// <summary>
    /// Aggregates records per (method, attack, epsilon). <paramref name="methodOrder"/> and <paramref name="attackOrder"/>
    /// (usually from run.json) fix the row order; names not listed follow in order of first appearance.
    /// <paramref name="metrics"/> is the sweep's choice of metrics (run.json's "metrics"), null for the default four.
    /// </summary>
    public static SweepSummary Compute(IEnumerable<ResultRecord> records, IReadOnlyList<string>? methodOrder = null, IReadOnlyList<string>? attackOrder = null,
        IReadOnlyList<string>? metrics = null)
    {
        metrics = metrics is null ? null : MetricCatalogue.Canonical(metrics, "run.json metrics");
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        var methods = Order(methodOrder, list.Select(r => r.Method));
        var attacks = Order(attackOrder, list.Select(r => r.Attack));
        var epsilons = list.Select(r => r.Epsilon).Distinct().Order().ToArray();

        var rows = new List<SummaryRow>();
        foreach (var g in list.GroupBy(r => (r.Method, r.Attack, r.Epsilon))
                     .OrderBy(g => methods.IndexOf(g.Key.Method)).ThenBy(g => attacks.IndexOf(g.Key.Attack)).ThenBy(g => g.Key.Epsilon))
        {
            var cell = g.ToList();
            var topk = Stats(cell.Select(r => r.TopkIntersection ?? (r.Failed ? 1.0 : null)));
            var spearman = Stats(cell.Select(r => r.Spearman ?? (r.Failed ? 1.0 : null)));
            var kendall = Stats(cell.Select(r => r.Kendall ?? (r.Failed && cell.Any(c => c.Kendall is not null) ? 1.0 : null)));
            var shift = Stats(cell.Select(r => r.CenterShift ?? (r.Failed ? 0.0 : null)));
            var kept = cell.Select(r => r.EffectiveLabelKept).Where(k => k is not null).ToList();
            var linf = Finite(cell.Select(r => r.Linf));
            var ks = cell.Select(r => r.K).Where(k => k is not null).Distinct().ToList();
            rows.Add(new SummaryRow
            {
                Method = g.Key.Method,
                Attack = g.Key.Attack,
                Epsilon = g.Key.Epsilon,
                Images = cell.Count,
                TopkIntersectionMean = topk.Mean,
                TopkIntersectionStd = topk.Std,
                TopkIntersectionCi = topk.Ci,
                SpearmanMean = spearman.Mean,
                SpearmanStd = spearman.Std,
                SpearmanCi = spearman.Ci,
                KendallMean = kendall.Mean,
                KendallStd = kendall.Std,
                CenterShiftMean = shift.Mean,
                CenterShiftStd = shift.Std,
                CenterShiftCi = shift.Ci,
                LabelKeptRate = kept.Count == 0 ? double.NaN : kept.Count(k => k == true) / (double)kept.Count,
                Failures = cell.Count(r => r.Failed),
                ConfidenceBeforeMean = Stats(cell.Select(r => r.ConfidenceBefore)).Mean,
                ConfidenceAfterMean = Stats(cell.Select(r => r.ConfidenceAfter)).Mean,
                LinfMean = linf.Count == 0 ? double.NaN : linf.Mean(),
                LinfMax = linf.Count == 0 ? double.NaN : linf.Max(),
                K = ks.Count == 1 ? ks[0] : null,
                SecondsMean = Stats(cell.Select(r => r.Seconds)).Mean,
                OtherMetrics = (metrics ?? []).Except(MetricCatalogue.DefaultNames).ToDictionary(m => m, m =>
                {
                    var (mean, std, _) = Stats(cell.Select(r => r.Metric(m)));
                    return (mean, std);
                }),
            });
        }
        return new SweepSummary(rows, methods.Where(m => rows.Any(r => r.Method == m)).ToArray(),
            attacks.Where(a => rows.Any(r => r.Attack == a)).ToArray(), epsilons, metrics);
    }

    /// <summary>Reads a sweep folder's results.jsonl (and run.json, if present, for the row order) and aggregates it.</summary>
    /// <exception cref="FragilityException">results.jsonl is missing or corrupt, or run.json is corrupt.</exception>
    public static SweepSummary Load(string sweepDir)
    {
        ArgumentNullException.ThrowIfNull(sweepDir);
        var run = File.Exists(Path.Combine(sweepDir, RunInfo.FileName)) ? RunInfo.Load(sweepDir) : RunInfo.Empty();
        var results = ResultsFile.Read(Path.Combine(sweepDir, ResultsFile.FileName));
        return Compute(results.Records, run.Methods, run.Attacks, run.Metrics);
    }

    /// <summary>
    /// The summary as CSV: header <see cref="CsvColumns"/>, one line per row, invariant culture, shortest round-trip
    /// numbers, empty fields for undefined values (NaN: no data, or a standard deviation of fewer than two values).
    /// </summary>
    public string ToCsv() => CsvTable.Format(Columns, CsvRows());

    /// <summary>Writes <see cref="ToCsv"/> to a file (UTF-8, no byte-order mark) through <see cref="CsvTable"/>, creating its folder.</summary>
    /// <exception cref="FragilityException">The file cannot be written.</exception>
    public void WriteCsv(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            CsvTable.Write(path, Columns, CsvRows());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FragilityException($"Cannot write summary '{path}': {e.Message}. Choose a writable output folder.", e);
        }
    }

    private IEnumerable<IReadOnlyList<string>> CsvRows()
    {
        var columns = Columns;
        return Rows.Select(r =>
        {
            string[] all =
            [
                r.Method, r.Attack, Num(r.Epsilon), Num(r.Images), Num(r.TopkIntersectionMean), Num(r.TopkIntersectionStd),
                Num(r.SpearmanMean), Num(r.SpearmanStd), Num(r.CenterShiftMean), Num(r.CenterShiftStd), Num(r.LabelKeptRate),
                Num(r.Failures), Num(r.KendallMean), Num(r.KendallStd), Num(r.ConfidenceBeforeMean), Num(r.ConfidenceAfterMean),
                Num(r.LinfMean), Num(r.LinfMax), r.K is int k ? Num(k) : "", Num(r.SecondsMean),
            ];
            var byColumn = CsvColumns.Zip(all).ToDictionary(p => p.First, p => p.Second);
            foreach (var (name, (mean, std)) in r.OtherMetrics) { byColumn[name + "_mean"] = Num(mean); byColumn[name + "_std"] = Num(std); }
            return (IReadOnlyList<string>)columns.Select(c => byColumn[c]).ToArray();
        });
    }

    private static List<string> Order(IReadOnlyList<string>? preferred, IEnumerable<string> seen)
    {
        var order = new List<string>();
        foreach (var name in (preferred ?? []).Concat(seen))
            if (!order.Contains(name)) order.Add(name);
        return order;
    }

    private static List<double> Finite(IEnumerable<double?> values) =>
        values.Where(v => v is double d && double.IsFinite(d)).Select(v => v!.Value).ToList();

    private static (double Mean, double Std, double Ci) Stats(IEnumerable<double?> values)
    {
        var finite = Finite(values);
        if (finite.Count == 0) return (double.NaN, double.NaN, double.NaN);
        // MathNet: sample standard deviation (n - 1); NaN for a single value.
        var (mean, std) = finite.MeanStandardDeviation();
        return (mean, finite.Count < 2 ? double.NaN : std, MeanInterval.Of(finite).HalfWidth);
    }

    private static string Num(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);
}
