using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Fragility.Cli.Infrastructure;
using Fragility.Influence;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary>
/// <c>fragility influence-attack</c>: the paper's attack on influence-function explanations (Ghorbani, Abid and Zou 2019)
/// against a random-sign baseline, over epsilons, with a resumable results file, summary.csv, a figure and an HTML report.
/// </summary>
public sealed class InfluenceAttackCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 41;

    /// <inheritdoc />
    public Command Build()
    {
        var task = new InfluenceCommand.TaskOptions();
        var epsilons = new Option<string>("--epsilons") { Description = "L-infinity budgets in pixel units of the 0-255 scale (8 means 8/255 on [0, 1] inputs).", DefaultValueFactory = _ => "1,2,4,8" };
        var attacks = new Option<string>("--attacks")
        {
            Description = "Comma-separated: single-step (the paper's x + eps * sign(grad D)), iterative (Algorithm 1: --steps steps of --step-size inside the eps ball, " +
                          "best iterate keeping the head's label), random (x + eps * sign(noise)).",
            DefaultValueFactory = _ => "single-step,iterative,random",
        };
        var objectives = new Option<string>("--objectives")
        {
            Description = "Comma-separated objectives D for the gradient attacks: raw (sum of the influence of the current top-3 helpful points, the paper's) and/or " +
                          "normalized (the same on the influence vector scaled to unit length, as in the authors' code; removes the factor p_t - y_t every value shares).",
            DefaultValueFactory = _ => "raw,normalized",
        };
        var steps = new Option<int>("--steps") { Description = "Iterative attack: number of steps P.", DefaultValueFactory = _ => 300 };
        var stepSize = new Option<double>("--step-size") { Description = "Iterative attack: step size alpha in 0-255 units.", DefaultValueFactory = _ => 0.5 };
        var top = new Option<int>("--top") { Description = "How many of the current most helpful training points the objective sums.", DefaultValueFactory = _ => 3 };
        var keep = new Option<int>("--keep-top") { Description = "k of the metric 'original top-k helpful points still in the top k'.", DefaultValueFactory = _ => 5 };
        var surrogate = new Option<string>("--surrogate")
        {
            Description = "Network the attack gradient goes through: relu (the network itself; phi is piecewise linear, its gradient is not zero) or softplus (the softplus(--beta) twin). " +
                          "Evaluation and label checks always use the ReLU network.",
            DefaultValueFactory = _ => "relu",
        };
        var beta = new Option<double>("--beta") { Description = "Softplus beta for --surrogate softplus.", DefaultValueFactory = _ => 1.0 };
        var seed = CommonOptions.Seed();
        var batch = new Option<int>("--batch") { Description = "Test points attacked together; results are saved after each batch.", DefaultValueFactory = _ => 50 };
        var repick = new Option<bool>("--repick-top") { Description = "Iterative attack: re-pick the --top points at every step as the iterate's current most helpful ones, instead of keeping the clean input's set (the paper's objective, the default)." };
        var galleryTests = new Option<int>("--gallery-tests") { Description = "Before/after galleries in the report for the first N test points.", DefaultValueFactory = _ => 4 };
        var output = CommonOptions.Out("influence-attack-out");
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var cmd = new Command("influence-attack",
            "Attack influence-function explanations (Ghorbani, Abid & Zou 2019, §5): perturb each test image by x + eps * sign(grad_x D), D the summed influence I(z_i, z_t) of its current top-3 " +
            "helpful training points (helpful: I < 0), oriented to make them less helpful, with network, head, Hessian and training set fixed; compare with random sign noise of the same eps. " +
            "Reports per test point and eps the Spearman correlation of the influence vectors before/after, how many of the top-5 helpful points stay, the head's and the network's labels, " +
            "the realised L-inf and the angle between grad_x of the test loss and the attack direction. Writes results.jsonl (re-running the same command resumes), summary.csv, " +
            "influence-attack.png and report.html.")
        {
            epsilons, attacks, objectives, steps, stepSize, top, repick, keep, surrogate, beta, seed, batch, galleryTests, output, threads, device,
        };
        task.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads), pr.GetValue(device));
            double? softplus = pr.GetValue(surrogate)!.Trim().ToLowerInvariant() switch
            {
                "relu" => null,
                "softplus" => pr.GetValue(beta),
                var s => throw new FragilityException($"--surrogate must be relu or softplus, got '{s}'."),
            };
            var kinds = Split(pr.GetValue(attacks)!).Select(a => a switch
            {
                "single-step" => InfluenceAttackKind.SingleStep,
                "iterative" => InfluenceAttackKind.Iterative,
                "random" => InfluenceAttackKind.RandomSign,
                _ => throw new FragilityException($"Unknown attack '{a}' in --attacks: use single-step, iterative and/or random."),
            }).ToList();
            var objs = Split(pr.GetValue(objectives)!).Select(o => o switch
            {
                "raw" => InfluenceObjective.Raw,
                "normalized" or "normalised" => InfluenceObjective.Normalized,
                _ => throw new FragilityException($"Unknown objective '{o}' in --objectives: use raw and/or normalized."),
            }).Distinct().ToList();
            if (objs.Count == 0) throw new FragilityException("--objectives is empty: give raw and/or normalized.");
            var list = new List<InfluenceAttackOptions>();
            foreach (var kind in kinds.Distinct())
                foreach (var objective in kind == InfluenceAttackKind.RandomSign ? [InfluenceObjective.Raw] : objs)
                    list.Add(new InfluenceAttackOptions
                    {
                        Kind = kind, Objective = objective, TopHelpful = pr.GetValue(top), KeepTop = pr.GetValue(keep), Steps = pr.GetValue(steps),
                        StepSize = pr.GetValue(stepSize), SoftplusBeta = softplus, Seed = pr.GetValue(seed), RepickTargets = pr.GetValue(repick),
                    });
            var sweep = new InfluenceSweepOptions
            {
                Attacks = list, Epsilons = InfluenceCommand.TaskOptions.ParseList(pr.GetValue(epsilons)!, "--epsilons"),
                BatchSize = pr.GetValue(batch), GalleryTests = pr.GetValue(galleryTests),
            };
            sweep.Validate();
            string outDir = pr.GetValue(output)!;
            using var loaded = task.Load(pr);
            var setup = loaded.Setup;
            AnsiConsole.MarkupLine(Markup.Escape($"Head on {setup.Features.LastLayerName} input ({setup.Features.Dimension} features), {string.Join(" vs ", setup.ClassNames)}, " +
                $"{setup.TrainingCount} training images, lambda {setup.Settings.L2.ToString(CultureInfo.InvariantCulture)}: train accuracy {setup.TrainAccuracy:P2}, test accuracy {setup.TestAccuracy:P2}; " +
                $"{setup.TestIndices.Count} test points."));
            var run = InfluenceAttackSweep.Settings(setup, sweep);
            run["model"] = pr.GetValue(task.Model) ?? "(shipped)";
            run["model_sha256"] = InfluenceCommand.TaskOptions.ModelFingerprint(pr.GetValue(task.Model));
            run["dataset"] = pr.GetValue(task.Dataset);
            run["command"] = CliCommandLine.Of(pr);
            var result = ConsoleProgress.Run("influence-attack", p => InfluenceAttackSweep.Run(setup, sweep, outDir, run, p));
            var table = new Table().Title("Influence attack summary (means over test points)")
                .AddColumn("attack").AddColumn("eps").AddColumn("tests").AddColumn("Spearman").AddColumn($"top-{list[0].KeepTop} kept").AddColumn("head label kept")
                .AddColumn("network label kept").AddColumn("angle (deg)").AddColumn("dp(label)");
            foreach (var r in result.Summary)
                table.AddRow(Markup.Escape(r.Attack), r.Epsilon.ToString("G4", CultureInfo.InvariantCulture), r.Tests.ToString(CultureInfo.InvariantCulture),
                    $"{r.SpearmanMean:F3} ± {r.SpearmanStd:F3}", $"{r.TopKeptMean:F2} ± {r.TopKeptStd:F2}", $"{r.LabelKeptRate:P0}", $"{r.NetworkLabelKeptRate:P0}",
                    double.IsFinite(r.AngleGradientMean) ? $"{r.AngleGradientMean:F1}" : "-", $"{r.ProbabilityChangeMean:+0.000;-0.000}");
            AnsiConsole.Write(table);
            Console.WriteLine($"{result.Computed} results computed, {result.Resumed} resumed{(result.DroppedBytes > 0 ? $", a truncated last line ({result.DroppedBytes} bytes) dropped" : "")}. " +
                $"Wrote {outDir}: results.jsonl, summary.csv, influence-attack.png, report.html.");
            return 0;
        }));
        return cmd;
    }

    private static IEnumerable<string> Split(string s) => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => x.ToLowerInvariant());
}
