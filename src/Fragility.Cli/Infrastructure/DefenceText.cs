using System.Globalization;
using Fragility.Defences;
using Spectre.Console;

namespace Fragility.Cli.Infrastructure;

/// <summary>What <c>defend</c> tells at the end: one row per model x method x defence, the notes, the files.</summary>
internal static class DefenceText
{
    /// <summary>What the run will compute.</summary>
    public static void WritePlan(CliConsole console, int models, DefenceSettings settings) =>
        console.Line($"{models} model(s) x {settings.Methods.Count} method(s) x defences {string.Join(", ", settings.Defences)}; {settings.Images} images, " +
            $"{settings.Iterations} iterations of {CommonOptions.Number(settings.Step)}/255, epsilon {CommonOptions.Number(settings.TableEpsilon)}/255 (curve {string.Join(",", settings.CurveEpsilons.Select(CommonOptions.Number))}).");

    /// <summary>Writes <paramref name="outcome"/>'s table, notes and files.</summary>
    public static void Write(CliConsole console, DefenceOutcome outcome, string outDir)
    {
        var table = new Table().AddColumn("row").AddColumn(new TableColumn("acc").RightAligned()).AddColumn(new TableColumn("top-k ∩").RightAligned())
            .AddColumn(new TableColumn("transfer ∩").RightAligned()).AddColumn(new TableColumn("shift mc (px)").RightAligned())
            .AddColumn(new TableColumn("del/ins AUC").RightAligned()).AddColumn(new TableColumn("rand ρ").RightAligned());
        foreach (var r in outcome.Rows)
            table.AddRow(Markup.Escape(r.Label), F(100 * r.Accuracy, "0.0"), F(r.TopKAfterTopK, "0.000"), F(r.TopKAfterTransferTopK, "0.000"),
                F(r.ShiftAfterMassCenter, "0.00"), $"{F(r.DeletionAuc, "0.000")}/{F(r.InsertionAuc, "0.000")}", F(r.RandomisationSpearman, "0.00"));
        console.Out.Write(table);
        console.Notes(outcome.Notes);
        console.Line($"{outcome.Rows.Count} rows ({outcome.RowsRun} run, {outcome.RowsResumed} resumed) on {outcome.ImageIndices.Count} images; wrote {Path.GetFullPath(outDir)} " +
            $"({DefenceEvaluation.TableMarkdown}, {DefenceEvaluation.TableCsv}, {DefenceEvaluation.FrontierFigure}, {DefenceEvaluation.FaithfulnessFigure}, {DefenceEvaluation.CurveFigure}).");
    }

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";
}
