using System.CommandLine;
using System.Globalization;
using Fragility.Attribution;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Defences;
using Fragility.Models;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility defend</c>: the defence table (robustness after adaptive attacks, accuracy, faithfulness, cost)
/// for models trained with different regularisers x methods x explanation-side defences.</summary>
public sealed class DefendCommand : ICliCommand
{
    /// <summary>Exit code of an interrupted run (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <inheritdoc />
    public int Order => 50;

    /// <inheritdoc />
    public Command Build()
    {
        var models = new Option<string[]>("--model", "-m")
        {
            Description = "Model file(s) (.safetensors), e.g. one per 'fragility train --regularise ...'; repeat the option or separate with commas. A row is named by the file name without extension. Default: the shipped Fashion-MNIST small-cnn.",
            AllowMultipleArgumentsPerToken = false,
        };
        var dataset = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        var data = CommonOptions.Data();
        var methods = new Option<string>("--methods") { Description = $"Attribution methods, comma-separated: {string.Join(", ", AttributionMethods.Names)}. Default: gradient.", DefaultValueFactory = _ => "gradient" };
        var defences = new Option<string>("--defences")
        {
            Description = "Explanation-side defences, comma-separated: none; beta:B (map of the softplus(B) twin, Dombrowski et al. 2019); smoothgrad and smoothgrad_sq (optionally smoothgrad:n=N;sigma=S, sigma on the 0-255 scale); " +
                "jitter:R (mean over shifts of up to R pixels); ig_steps:M and ig_reference:REF (for the method ig). 'none' is always evaluated. Default: none,beta:2,smoothgrad,smoothgrad_sq,jitter:1.",
            DefaultValueFactory = _ => "none,beta:2,smoothgrad,smoothgrad_sq,jitter:1",
        };
        var defendModels = new Option<string?>("--defend-models") { Description = "Models (by name: file name without extension) that get the explanation-side defences, comma-separated; the others get the undefended row only. Default: all." };
        var images = new Option<int>("--images", "-n") { Description = "Attacked test images: the first N, in data-set order, that every model classifies correctly. Default: 100.", DefaultValueFactory = _ => 100 };
        var epsilons = new Option<string>("--epsilons") { Description = AttackCommand.EpsilonHelp("Epsilons of the top-k attack's robustness curve, comma-separated. Default: 1,2,4,8."), DefaultValueFactory = _ => "1,2,4,8" };
        var epsilon = new Option<double>("--epsilon", "-e") { Description = AttackCommand.EpsilonHelp("Epsilon of the table's columns (top-k, mass-center and random attacks). Default: 8."), DefaultValueFactory = _ => 8.0 };
        var iterations = new Option<int>("--iterations", "-P") { Description = "Attack iterations P. Default: 300 (the paper's reference code).", DefaultValueFactory = _ => 300 };
        var step = new Option<double>("--step") { Description = "Attack step alpha in pixel units of the 0-255 scale. Default: 0.5.", DefaultValueFactory = _ => 0.5 };
        var k = new Option<int?>("--k") { Description = "k of top-k, in pixels. Default: 10% of the pixels for small maps (78 for 28x28)." };
        var beta = new Option<double>("--beta") { Description = "Softplus beta of the twin through which gradient-based maps are attacked (the beta:B defence is attacked through its own B). Default: 1.", DefaultValueFactory = _ => 1.0 };
        var seed = CommonOptions.Seed();
        var batch = new Option<int>("--batch-size") { Description = "Images attacked together (memory grows with it and with SmoothGrad's samples). Default: 16.", DefaultValueFactory = _ => 16 };
        var samples = CommonOptions.SmoothGradSamples();
        var sigma = CommonOptions.SmoothGradSigma();
        var igSteps = new Option<int>("--ig-steps") { Description = "Path points of integrated gradients. Default: 100.", DefaultValueFactory = _ => 100 };
        var igRule = CommonOptions.IgRule();
        var reference = CommonOptions.Reference();
        var faithSteps = new Option<int>("--faithfulness-steps") { Description = "Steps of the deletion and insertion curves. Default: 28.", DefaultValueFactory = _ => 28 };
        var deletion = new Option<string>("--deletion-baseline") { Description = "What deleted pixels become (a reference name: zero, mean, blur...). Default: zero.", DefaultValueFactory = _ => "zero" };
        var insertion = new Option<string>("--insertion-baseline") { Description = "What insertion starts from (a reference name). Default: blur (sigma 2 pixels).", DefaultValueFactory = _ => "blur" };
        var output = CommonOptions.Out("defend");
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier run in --out instead of resuming it. Default: off (resume)." };
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var cmd = new Command("defend",
            "Evaluate defences of explanations: one row per model x method x defence with test accuracy, top-k intersection, Spearman and centre shift after ADAPTIVE top-k and mass-center attacks (and the non-adaptive transfer), " +
            "label-kept rate, deletion/insertion AUC, the parameter-randomisation check and the cost per map and per training epoch. Writes DIR/defences.csv, defences.md, eps_curve.csv, per_image.csv, " +
            "frontier.png, faithfulness.png, eps_curve.png, notes.txt and section.json (the report's Defences section). Re-running the same command resumes.");
        foreach (Option o in new Option[] { models, dataset, data, methods, defences, defendModels, images, epsilons, epsilon, iterations, step, k, beta, seed, batch, samples, sigma, igSteps, igRule, reference, faithSteps, deletion, insertion, output, overwrite, threads, device })
            cmd.Options.Add(o);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads), pr.GetValue(device));
            var paths = (pr.GetValue(models) ?? []).SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            if (paths.Count == 0) paths.Add(ModelStore.ShippedModelPath());
            foreach (string p in paths)
                if (!File.Exists(p)) throw new FragilityException($"Model file '{p}' does not exist. Train one with 'fragility train --out {p}' or fix the path.");
            var settings = new DefenceSettings
            {
                Methods = Lists.Split(pr.GetValue(methods)!, "--methods"), Defences = DefenceList(pr.GetValue(defences)!),
                Images = pr.GetValue(images), Epsilons = Lists.Numbers(pr.GetValue(epsilons)!, "--epsilons"), TableEpsilon = pr.GetValue(epsilon),
                Iterations = pr.GetValue(iterations), Step = pr.GetValue(step), K = pr.GetValue(k), Beta = pr.GetValue(beta), Seed = pr.GetValue(seed),
                BatchSize = pr.GetValue(batch), SmoothGradSamples = pr.GetValue(samples), SmoothGradSigma255 = pr.GetValue(sigma), IgSteps = pr.GetValue(igSteps),
                IgRule = PathIntegration.Parse(pr.GetValue(igRule)!), Reference = pr.GetValue(reference)!, FaithfulnessSteps = pr.GetValue(faithSteps),
                DeletionBaseline = pr.GetValue(deletion)!, InsertionBaseline = pr.GetValue(insertion)!,
            };
            foreach (string d in settings.Defences) ExplanationDefence.Parse(d);   // bad names fail before the data are read
            foreach (string m in settings.Methods) AttributionMethods.Create(m);
            string name = pr.GetValue(dataset)!;
            ImageDataset test;
            using (var first = ModelStore.Load(paths[0])) test = CliData.LoadForModel(first, name, DatasetSplit.Test, pr.GetValue(data));
            using var _ = test;
            string command = CliCommandLine.Of(pr);
            var evaluation = new DefenceEvaluation(paths, test, settings, command)
            {
                ExplanationDefenceModels = pr.GetValue(defendModels) is string only ? Lists.Split(only, "--defend-models") : null,
            };
            string outDir = pr.GetValue(output)!;
            AnsiConsole.MarkupLine(Markup.Escape($"{paths.Count} model(s) x {settings.Methods.Count} method(s) x defences {string.Join(", ", settings.Defences)}; {settings.Images} images, " +
                $"{settings.Iterations} iterations of {AttackCommand.Format(settings.Step)}/255, epsilon {AttackCommand.Format(settings.TableEpsilon)}/255 (curve {string.Join(",", settings.CurveEpsilons.Select(AttackCommand.Format))})."));

            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = !cancel.IsCancellationRequested; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                var outcome = ConsoleProgress.Run("defend", p => evaluation.Run(outDir, pr.GetValue(overwrite), p, cancel.Token));
                var table = new Table().AddColumn("row").AddColumn(new TableColumn("acc").RightAligned()).AddColumn(new TableColumn("top-k ∩").RightAligned())
                    .AddColumn(new TableColumn("transfer ∩").RightAligned()).AddColumn(new TableColumn("shift mc (px)").RightAligned())
                    .AddColumn(new TableColumn("del/ins AUC").RightAligned()).AddColumn(new TableColumn("rand ρ").RightAligned());
                foreach (var r in outcome.Rows)
                    table.AddRow(Markup.Escape(r.Label), F(100 * r.Accuracy, "0.0"), F(r.TopKAfterTopK, "0.000"), F(r.TopKAfterTransferTopK, "0.000"),
                        F(r.ShiftAfterMassCenter, "0.00"), $"{F(r.DeletionAuc, "0.000")}/{F(r.InsertionAuc, "0.000")}", F(r.RandomisationSpearman, "0.00"));
                AnsiConsole.Write(table);
                foreach (string note in outcome.Notes) AnsiConsole.MarkupLine("[yellow]" + Markup.Escape(note) + "[/]");
                Console.WriteLine($"{outcome.Rows.Count} rows ({outcome.RowsRun} run, {outcome.RowsResumed} resumed) on {outcome.ImageIndices.Count} images; wrote {Path.GetFullPath(outDir)} " +
                    $"({DefenceEvaluation.TableMarkdown}, {DefenceEvaluation.TableCsv}, {DefenceEvaluation.FrontierFigure}, {DefenceEvaluation.FaithfulnessFigure}, {DefenceEvaluation.CurveFigure}).");
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"interrupted: finished rows are kept in {Path.Combine(outDir, DefenceEvaluation.RowsFolder)}; run the same command again to resume.");
                return Interrupted;
            }
            finally { Console.CancelKeyPress -= onCancel; }
        }));
        return cmd;
    }

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    // Semicolons inside one item (smoothgrad:n=16;sigma=30) stand for the commas of its settings.
    private static string[] DefenceList(string value) => Lists.Split(value, "--defences").Select(s => s.Replace(';', ',')).ToArray();
}
