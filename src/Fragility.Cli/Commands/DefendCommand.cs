using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Defences;
using Fragility.Experiments.Sharding;
using Fragility.Models;
using Fragility.Runtime;
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
        var options = new DefendCliOptions();
        var run = new RunFolderCliOptions("defend", "an earlier run's rows", "the model x method pairs", "then the same command without --shard reads every row back and writes the tables.");
        var cmd = new Command("defend",
            "Evaluate defences of explanations: one row per model x method x defence with test accuracy, top-k intersection, Spearman and centre shift after ADAPTIVE top-k and mass-center attacks (and the non-adaptive transfer), " +
            "label-kept rate, deletion/insertion AUC, the parameter-randomisation check and the cost per map and per training epoch. Writes DIR/defences.csv, defences.md, eps_curve.csv, per_image.csv, " +
            "frontier.png, faithfulness.png, eps_curve.png, notes.txt and section.json (the report's Defences section). Re-running the same command resumes.");
        options.AddTo(cmd);
        run.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            var (part, jobCount) = run.Resolve(pr);
            var paths = options.ModelPaths(pr);
            var settings = options.Bind(pr);
            using var test = options.TestSplit(pr, paths);
            var evaluation = new DefenceEvaluation(paths, test, settings, CliCommandLine.Of(pr))
            {
                ExplanationDefenceModels = pr.GetValue(options.DefendModels) is string only ? Lists.Split(only, "--defend-models") : null,
                Shard = part,
            };
            // A worker owns whole model x method pairs: a pair's defended rows reuse its undefended row's perturbations.
            int workers = part is null ? Math.Min(jobCount, paths.Count * settings.Methods.Count) : 1;
            string outDir = run.Folder(pr);
            DefenceText.WritePlan(console, paths.Count, settings);
            return CliCancellation.Run(console, $"finished rows are kept in {Path.Combine(outDir, DefenceEvaluation.RowsFolder)}", cancel =>
            {
                if (workers > 1)
                {
                    // The workers get no --overwrite: the folder is cleared here once, and each resumes the others' rows.
                    if (run.Overwriting(pr)) DefenceEvaluation.DeleteRun(outDir);
                    int code = WorkerPool.RunShards(console, pr, workers, $"the {paths.Count * settings.Methods.Count} model x method pairs", run.NotForWorkers(), 0, "defend", cancel);
                    if (code != 0) return code;
                }
                var outcome = ConsoleProgress.Run(console, "defend", p => evaluation.Run(outDir, run.Overwriting(pr) && workers == 1, p, cancel));
                if (part is not null)
                {
                    console.Say($"Shard {part} done: {outcome.RowsRun} rows run, {outcome.RowsResumed} resumed. When every shard is: this command without --shard writes the tables.");
                    return 0;
                }
                DefenceText.Write(console, outcome, outDir);
                return 0;
            });
        }));
        return cmd;
    }
}
