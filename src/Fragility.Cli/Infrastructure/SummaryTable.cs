using System.Globalization;
using Fragility.Reporting;
using Spectre.Console;

namespace Fragility.Cli.Infrastructure;

/// <summary>Prints a sweep summary as a console table (means, label-kept rate, failures), as wide as the terminal
/// allows: columns that do not fit are left out (least telling first) and named below the table, so no cell wraps
/// inside a word.</summary>
public static class SummaryTable
{
    /// <summary>The columns in order; <c>Drop</c> ranks the ones that may be left out (1 first), 0 = always kept.</summary>
    private static readonly (string Header, bool Right, int Drop, Func<SummaryRow, string> Cell)[] Columns =
    [
        ("method", false, 0, r => r.Method),
        ("attack", false, 0, r => r.Attack),
        ("eps", true, 0, r => F(r.Epsilon, "G4")),
        ("images", true, 1, r => r.Images.ToString(CultureInfo.InvariantCulture)),
        ("top-k ∩", true, 0, r => F(r.TopkIntersectionMean, "F3")),
        ("Spearman", true, 4, r => F(r.SpearmanMean, "F3")),
        ("shift px", true, 5, r => F(r.CenterShiftMean, "F2")),
        ("kept", true, 3, r => double.IsNaN(r.LabelKeptRate) ? "-" : r.LabelKeptRate.ToString("P0", CultureInfo.InvariantCulture)),
        ("failed", true, 2, r => r.Failures.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>Writes the rows of <paramref name="summary"/>, optionally only at the given epsilons.</summary>
    public static void Write(CliConsole console, SweepSummary summary, IReadOnlyCollection<double>? epsilons = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(summary);
        Write(console.Out, summary.Rows.Where(r => epsilons is null || epsilons.Contains(r.Epsilon)).ToList(), console.TableWidth);
    }

    /// <summary>Writes <paramref name="rows"/> to <paramref name="console"/> in at most <paramref name="width"/> columns.</summary>
    public static void Write(IAnsiConsole console, IReadOnlyList<SummaryRow> rows, int width)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(rows);
        var kept = Columns.ToList();
        // A rounded table takes each column's widest cell plus 3 (padding and a border), plus 1 for the last border.
        int Needed() => kept.Sum(c => Math.Max(c.Header.Length, rows.Count == 0 ? 0 : rows.Max(r => c.Cell(r).Length)) + 3) + 1;
        var dropped = new List<string>();
        while (Needed() > width && kept.Any(c => c.Drop > 0))
        {
            var drop = kept.Where(c => c.Drop > 0).MinBy(c => c.Drop);
            kept.Remove(drop);
            dropped.Add(drop.Header);
        }
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in kept)
            table.AddColumn(c.Right ? new TableColumn(c.Header).RightAligned() : new TableColumn(c.Header));
        foreach (var r in rows) table.AddRow(kept.Select(c => Markup.Escape(c.Cell(r))).ToArray());
        console.Write(table);
        if (dropped.Count > 0)
            console.WriteLine($"(left out to fit {width} columns: {string.Join(", ", dropped)}; all are in summary.csv)");
    }

    private static string F(double v, string format) => double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);
}
