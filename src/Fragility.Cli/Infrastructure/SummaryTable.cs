using System.Globalization;
using Fragility.Reporting;
using Spectre.Console;

namespace Fragility.Cli.Infrastructure;

/// <summary>Prints a sweep summary as a console table (means, label-kept rate, failures).</summary>
public static class SummaryTable
{
    /// <summary>Writes the rows of <paramref name="summary"/>, optionally only at the given epsilons.</summary>
    public static void Write(SweepSummary summary, IReadOnlyCollection<double>? epsilons = null)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("method").AddColumn("attack").AddColumn(new TableColumn("eps").RightAligned())
            .AddColumn(new TableColumn("images").RightAligned())
            .AddColumn(new TableColumn("top-k ∩").RightAligned()).AddColumn(new TableColumn("Spearman").RightAligned())
            .AddColumn(new TableColumn("shift px").RightAligned()).AddColumn(new TableColumn("kept").RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned());
        foreach (var r in summary.Rows.Where(r => epsilons is null || epsilons.Contains(r.Epsilon)))
        {
            table.AddRow(Markup.Escape(r.Method), Markup.Escape(r.Attack), F(r.Epsilon, "G4"), r.Images.ToString(CultureInfo.InvariantCulture),
                F(r.TopkIntersectionMean, "F3"), F(r.SpearmanMean, "F3"), F(r.CenterShiftMean, "F2"),
                double.IsNaN(r.LabelKeptRate) ? "-" : r.LabelKeptRate.ToString("P0", CultureInfo.InvariantCulture),
                r.Failures.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
    }

    private static string F(double v, string format) => double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);
}
