using System.Globalization;
using Fragility.IO;
using MathNet.Numerics.Statistics;

namespace Fragility.Influence;

/// <summary>Aggregates influence attack records per attack and epsilon, and writes summary.csv.</summary>
public static class InfluenceSummary
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "summary.csv";

    /// <summary>One row per (attack, epsilon) present in <paramref name="records"/>, attacks in first-seen order, epsilons ascending.</summary>
    public static IReadOnlyList<InfluenceSummaryRow> Compute(IEnumerable<InfluenceAttackRecord> records)
    {
        var list = records.ToList();
        var attacks = list.Select(r => r.Attack).Distinct().ToList();
        var rows = new List<InfluenceSummaryRow>();
        foreach (var attack in attacks)
        foreach (var group in list.Where(r => r.Attack == attack).GroupBy(r => r.Epsilon).OrderBy(g => g.Key))
        {
            var g = group.ToList();
            rows.Add(new InfluenceSummaryRow(attack, group.Key, g.Count,
                g.Select(r => r.Spearman).Mean(), Std(g.Select(r => r.Spearman)),
                g.Select(r => (double)r.TopKept).Mean(), Std(g.Select(r => (double)r.TopKept)), g[0].K,
                g.Count(r => r.HeadLabelKept) / (double)g.Count, g.Count(r => r.NetworkLabelKept) / (double)g.Count,
                g.Select(r => r.Linf).Mean(),
                g.Any(r => r.AngleGradient is not null) ? g.Where(r => r.AngleGradient is not null).Select(r => r.AngleGradient!.Value).Mean() : double.NaN,
                g.Any(r => r.AnglePerturbation is not null) ? g.Where(r => r.AnglePerturbation is not null).Select(r => r.AnglePerturbation!.Value).Mean() : double.NaN,
                g.Select(r => r.ProbabilityAfter - r.ProbabilityBefore).Mean(),
                g.Count(r => r.Failed)));
        }
        return rows;
    }

    /// <summary>Writes the rows as CSV through <see cref="CsvTable"/> (invariant culture; NaN as empty).</summary>
    public static void Write(IReadOnlyList<InfluenceSummaryRow> rows, string path)
    {
        int k = rows.Count > 0 ? rows[0].K : 5;
        string[] header =
        [
            "attack", "epsilon", "tests", "spearman_mean", "spearman_std", $"top{k}_kept_mean", $"top{k}_kept_std",
            "label_kept_rate", "network_label_kept_rate", "linf_mean", "angle_gradient_mean_deg", "angle_perturbation_mean_deg", "p_change_mean", "failures",
        ];
        CsvTable.Write(path, header, rows.Select(r => (IReadOnlyList<string>)
        [
            r.Attack, F(r.Epsilon), r.Tests.ToString(CultureInfo.InvariantCulture), F(r.SpearmanMean), F(r.SpearmanStd), F(r.TopKeptMean), F(r.TopKeptStd),
            F(r.LabelKeptRate), F(r.NetworkLabelKeptRate), F(r.LinfMean), F(r.AngleGradientMean), F(r.AnglePerturbationMean), F(r.ProbabilityChangeMean),
            r.Failures.ToString(CultureInfo.InvariantCulture),
        ]));
    }

    private static double Std(IEnumerable<double> values)
    {
        var v = values.ToList();
        return v.Count < 2 ? double.NaN : v.StandardDeviation();
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("G6", CultureInfo.InvariantCulture) : "";
}
