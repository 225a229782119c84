using System.Globalization;
using Fragility.Experiments;
using Fragility.Models;
using Spectre.Console;

namespace Fragility.Cli.Infrastructure;

/// <summary>The terminal table of <c>attack</c>: one row per input, then the mean top-k intersection.</summary>
internal static class AttackTable
{
    /// <summary>Writes <paramref name="results"/> and where the files went.</summary>
    public static void Write(CliConsole console, Classifier model, IReadOnlyList<AttackedInput> results, int k, string outDir)
    {
        var table = new Table().AddColumn("input").AddColumn("label").AddColumn(new TableColumn("top-k").RightAligned())
            .AddColumn(new TableColumn("spearman").RightAligned()).AddColumn(new TableColumn("centre shift (px)").RightAligned())
            .AddColumn(new TableColumn("L-inf (/255)").RightAligned()).AddColumn(new TableColumn("confidence").RightAligned()).AddColumn("failed");
        foreach (var r in results)
        {
            var o = r.Outcome;
            string label = o.LabelBefore >= 0 && o.LabelBefore < model.ClassCount ? model.Metadata.ClassNames[(int)o.LabelBefore] : o.LabelBefore.ToString(CultureInfo.InvariantCulture);
            table.AddRow(Markup.Escape(r.Item), Markup.Escape(label), F(r.TopKIntersection, "F3"), F(r.Spearman, "F3"), F(r.CenterShift, "F2"),
                F(o.LinfPixels, "F2"), $"{F(o.ConfidenceBefore, "F3")} -> {F(o.ConfidenceAfter, "F3")}", o.Failed ? "[red]yes[/]" : "no");
        }
        console.Out.Write(table);
        console.Line($"mean top-k intersection {F(results.Average(r => r.TopKIntersection), "F4")} (k = {k}), failures {results.Count(r => r.Outcome.Failed)}/{results.Count}; " +
            $"wrote {Path.GetFullPath(outDir)}");
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
