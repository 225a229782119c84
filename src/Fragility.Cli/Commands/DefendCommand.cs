using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Defences;
using Fragility.Models;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility defend</c>: evaluates defences of explanations (the work is <see cref="DefenceEvaluation"/>'s).</summary>
public sealed class DefendCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 50;

    /// <inheritdoc />
    public Command Build()
    {
        var models = new Option<string[]>("--model", "-m")
        {
            Description = "Model file(s) (.safetensors), e.g. one per 'fragility train --regularise ...'; repeat the option or separate with commas. A row is named by the file name without extension. Without it: the shipped Fashion-MNIST small-cnn.",
            AllowMultipleArgumentsPerToken = false,
        };
        var dataset = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        var data = CommonOptions.Data();
        var options = new DefendCliOptions();
        var output = CommonOptions.Out("defend");
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier run in --out instead of resuming it." };
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("defend",
            "Evaluate defences of explanations: one row per model x method x defence with test accuracy, top-k intersection, Spearman and centre shift after ADAPTIVE top-k and mass-center attacks (and the non-adaptive transfer), " +
            "label-kept rate, deletion/insertion AUC, the parameter-randomisation check and the cost per map and per training epoch. Writes DIR/defences.csv, defences.md, eps_curve.csv, per_image.csv, " +
            "frontier.png, faithfulness.png, eps_curve.png, notes.txt and section.json (the report's Defences section). Re-running the same command resumes.")
        {
            models, dataset, data, output, overwrite,
        };
        options.AddTo(cmd);
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            var paths = ModelStore.ExistingPaths(pr.GetValue(models) ?? []);
            var settings = options.Bind(pr);
            ImageDataset test;
            using (var first = ModelStore.Load(paths[0])) test = CliData.LoadForModel(first, pr.GetValue(dataset)!, DatasetSplit.Test, pr.GetValue(data));
            using var _ = test;
            var evaluation = new DefenceEvaluation(paths, test, settings, CliCommandLine.Of(pr))
            {
                ExplanationDefenceModels = pr.GetValue(options.DefendModels) is string only ? Lists.Split(only, "--defend-models") : null,
            };
            string outDir = pr.GetValue(output)!;
            console.Line($"{paths.Count} model(s) x {settings.Methods.Count} method(s) x defences {string.Join(", ", settings.Defences)}; {settings.Images} images, " +
                $"{settings.Iterations} iterations of {CommonOptions.Number(settings.Step)}/255, epsilon {CommonOptions.Number(settings.TableEpsilon)}/255 (curve {string.Join(",", settings.CurveEpsilons.Select(CommonOptions.Number))}).");
            return CliCancellation.Run(console, $"finished rows are kept in {Path.Combine(outDir, DefenceEvaluation.RowsFolder)}", cancel =>
            {
                var outcome = ConsoleProgress.Run(console, "defend", p => evaluation.Run(outDir, pr.GetValue(overwrite), p, cancel));
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
                return 0;
            });
        }));
        return cmd;
    }

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";
}
