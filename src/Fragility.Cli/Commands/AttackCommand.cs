using System.CommandLine;
using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Models;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility attack</c>: attacks the explanations of some inputs with one method and one attack.</summary>
public sealed class AttackCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 30;

    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model();
        var input = new Option<string>("--input", "-i")
        {
            Description = "Inputs: an image file, a folder of images, or dataset:N for the first N test images of --dataset. Default: dataset:8.",
            DefaultValueFactory = _ => "dataset:8",
        };
        var dataset = CommonOptions.Dataset(DatasetCatalog.Sample);
        var data = CommonOptions.Data();
        var method = new Option<string>("--method") { Description = $"Attribution method whose maps are attacked: {string.Join(", ", AttributionMethods.Names)}. Default: gradient.", DefaultValueFactory = _ => "gradient" };
        var attack = new Option<string>("--attack", "-a")
        {
            Description = "Attack: random (one random-sign draw), random_walk (P random-sign steps keeping the best), topk, mass_center or targeted (needs --target-region or --target-mask). Default: topk.",
            DefaultValueFactory = _ => AttackNames.TopK,
        };
        var epsilon = new Option<double>("--epsilon", "-e") { Description = EpsilonHelp("Default: 8."), DefaultValueFactory = _ => 8.0 };
        var shared = new AttackCliOptions();
        var output = CommonOptions.Out("attack-out");
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var strict = CommonOptions.Strict();
        var cmd = new Command("attack",
            "Attack the explanations of some inputs (Algorithm 1 of Ghorbani et al.): perturb each input within an L-infinity ball, keeping its label, so that its map changes most. " +
            "Writes perturbed images (PNG and exact .npy), maps before and after (heatmap PNG and .npy) and per-input metrics (metrics.jsonl).")
        {
            model, input, dataset, data, strict, method, attack, epsilon,
        };
        shared.AddTo(cmd);
        cmd.Options.Add(output);
        cmd.Options.Add(threads);
        cmd.Options.Add(device);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads), pr.GetValue(device));
            using var classifier = ModelStore.Load(pr.GetValue(model));
            var p = classifier.Metadata.Preprocessing;
            var settings = shared.Settings(pr, pr.GetValue(epsilon));
            settings.Validate(p.Height, p.Width);
            shared.CheckCounts(pr);
            var target = shared.Target(pr);
            string attackName = AttackNames.Canonical(pr.GetValue(attack)!);
            string methodName = pr.GetValue(method)!;
            var methods = shared.Methods(pr, classifier);
            var evaluation = methods(methodName, pr.GetValue(shared.IgSteps));
            var gradient = methods(methodName, pr.GetValue(shared.AttackSteps));
            var attacker = AttackFactory.Create(attackName, classifier, evaluation, settings, gradient, target, shared.CriterionFor(pr, evaluation));
            using var inputs = CliData.Inputs(classifier, pr.GetValue(input)!, pr.GetValue(dataset)!, pr.GetValue(data), pr.GetValue(strict));
            if (inputs.ImageShape != (p.Channels, p.Height, p.Width))
                throw new FragilityException($"The inputs are {inputs.ImageShape.Channels}x{inputs.ImageShape.Height}x{inputs.ImageShape.Width} but the model expects {p.Channels}x{p.Height}x{p.Width}: give inputs of the model's data set.");
            int kUsed = settings.ResolveK(p.Height, p.Width);
            string outDir = pr.GetValue(output)!;
            AnsiConsole.MarkupLine(Markup.Escape($"Attacking {inputs.Count} input(s): {methodName} maps, {attackName} attack, epsilon {Format(settings.Epsilon)}/255, " +
                $"{(attackName == AttackNames.Random ? "one draw" : $"{settings.Iterations} iterations of {Format(settings.Step)}/255")}, k = {kUsed}, beta = {Format(settings.Beta)}."));
            var results = ConsoleProgress.Run("attack", progress =>
                AttackExperiment.Run(classifier, inputs, methodName, attacker, evaluation, kUsed, outDir, pr.GetValue(shared.BatchSize), progress));

            var table = new Table().AddColumn("input").AddColumn("label").AddColumn(new TableColumn("top-k").RightAligned())
                .AddColumn(new TableColumn("spearman").RightAligned()).AddColumn(new TableColumn("centre shift (px)").RightAligned())
                .AddColumn(new TableColumn("L-inf (/255)").RightAligned()).AddColumn(new TableColumn("confidence").RightAligned()).AddColumn("failed");
            foreach (var r in results)
            {
                var o = r.Outcome;
                string label = o.LabelBefore >= 0 && o.LabelBefore < classifier.ClassCount ? classifier.Metadata.ClassNames[(int)o.LabelBefore] : o.LabelBefore.ToString(CultureInfo.InvariantCulture);
                table.AddRow(Markup.Escape(r.Item), Markup.Escape(label), $"{r.TopKIntersection:F3}", $"{r.Spearman:F3}", $"{r.CenterShift:F2}",
                    $"{o.LinfPixels:F2}", $"{o.ConfidenceBefore:F3} -> {o.ConfidenceAfter:F3}", o.Failed ? "[red]yes[/]" : "no");
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"mean top-k intersection {results.Average(r => r.TopKIntersection).ToString("F4", CultureInfo.InvariantCulture)} " +
                $"(k = {kUsed}), failures {results.Count(r => r.Outcome.Failed)}/{results.Count}; wrote {Path.GetFullPath(outDir)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>The epsilon help text with the scale stated once for every command.</summary>
    internal static string EpsilonHelp(string defaults) =>
        "L-infinity size of the perturbation in pixel units of the 0-255 scale: 8 means 8/255 for inputs in [0, 1]. Valid range (0, 255]. " + defaults;

    /// <summary>A number in the invariant culture's shortest form.</summary>
    internal static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The options <c>attack</c> and <c>sweep</c> share, defined once so their help texts and defaults agree.</summary>
internal sealed class AttackCliOptions
{
    public Option<int> Iterations { get; } = new("--iterations", "-P") { Description = "Attack iterations P (ignored by the single-draw random attack). Default: 300 (the paper's reference code).", DefaultValueFactory = _ => 300 };
    public Option<double> Step { get; } = new("--step") { Description = "Step size alpha of each iteration, in pixel units of the 0-255 scale (0.5 means 0.5/255 for inputs in [0, 1]). Default: 0.5 (the paper's reference code).", DefaultValueFactory = _ => 0.5 };
    public Option<int?> K { get; } = new("--k") { Description = "k of the top-k attack and of top-k intersection, in pixels. Default: 10% of the pixels for maps up to 64x64 (78 for 28x28), 100 for 32x32, 1000 for 224x224, else 2%." };
    public Option<double> Beta { get; } = new("--beta") { Description = "Softplus beta of the smooth copy of the network used for attack gradients, softplus(z) = log(1 + exp(beta z)) / beta (unitless; larger is closer to ReLU). Default: 1 (the paper's reference code).", DefaultValueFactory = _ => 1.0 };
    public Option<string> Criterion { get; } = new("--criterion") { Description = "How the returned iterate is chosen among those that keep the label: topk (lowest top-k intersection), spearman (lowest rank correlation) or center_shift (largest centre shift, pixels). Default: topk.", DefaultValueFactory = _ => "topk" };
    public Option<int> Seed { get; } = new("--seed") { Description = "Base seed (integer) of the random-sign draws; each image's draws are seeded from it, the image index, the method, the attack and epsilon, never from processing order. Default: 0.", DefaultValueFactory = _ => 0 };
    public Option<string> Reference { get; } = CommonOptions.Reference();
    public Option<int> IgSteps { get; } = new("--ig-steps") { Description = "Path points M of integrated gradients for maps and the criterion. Default: 100.", DefaultValueFactory = _ => 100 };
    public Option<string> IgRule { get; } = CommonOptions.IgRule();
    public Option<int> AttackSteps { get; } = new("--attack-steps") { Description = "Path points of integrated gradients inside the attack's gradient (fewer is cheaper; the criterion still uses --ig-steps). Default: 20.", DefaultValueFactory = _ => 20 };
    public Option<string> CriterionIg { get; } = new("--criterion-ig")
    {
        Description = $"Integrated gradients that scores the iterates of topk, mass_center and targeted, as rule:points, or '{CriterionQuadrature.PaperName}' for the paper's (the same as the maps: --ig-rule, --ig-steps). " +
            "The returned image's map is always made with --ig-rule and --ig-steps. Default: " + CriterionQuadrature.Default + " (its completeness error on the shipped model is below that of 100 right-Riemann points; docs/method.md §4.1).",
        DefaultValueFactory = _ => CriterionQuadrature.Default.ToString(),
    };
    public Option<int> SmoothGradSamples { get; } = CommonOptions.SmoothGradSamples();
    public Option<double> SmoothGradSigma { get; } = CommonOptions.SmoothGradSigma();
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images attacked together (memory grows with it; results do not depend on it). Default: 16.", DefaultValueFactory = _ => 16 };
    public Option<string?> TargetRegion { get; } = new("--target-region") { Description = "Target region T of the targeted attack as row0,col0,row1,col1 in pixels from the top-left: rows row0..row1-1, columns col0..col1-1 (e.g. 0,0,8,8 is the 8x8 top-left corner)." };
    public Option<string?> TargetMask { get; } = new("--target-mask") { Description = "Target region T of the targeted attack as a PNG of the model's input size (width x height); non-zero pixels are in T." };

    /// <summary>Adds every shared option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Iterations, Step, K, Beta, Criterion, Seed, Reference, IgSteps, IgRule, AttackSteps, CriterionIg, SmoothGradSamples, SmoothGradSigma, BatchSize, TargetRegion, TargetMask })
            command.Options.Add(o);
    }

    /// <summary>The attack settings for <paramref name="epsilon"/> (0-255 scale).</summary>
    public AttackSettings Settings(ParseResult pr, double epsilon) => new()
    {
        Epsilon = epsilon, Step = pr.GetValue(Step), Iterations = pr.GetValue(Iterations), K = pr.GetValue(K),
        Beta = pr.GetValue(Beta), Criterion = AttackNames.ParseCriterion(pr.GetValue(Criterion)!), Seed = pr.GetValue(Seed),
    };

    /// <summary>The target region from --target-region or --target-mask (not both), or null.</summary>
    public TargetRegion? Target(ParseResult pr)
    {
        string? region = pr.GetValue(TargetRegion), mask = pr.GetValue(TargetMask);
        if (region is not null && mask is not null)
            throw new FragilityException("Give either --target-region or --target-mask, not both.");
        return region is not null ? Attacks.TargetRegion.FromRectangle(region) : mask is not null ? Attacks.TargetRegion.FromMaskImage(mask) : null;
    }

    /// <summary>The method factory for --reference and --ig-rule.</summary>
    public Experiments.SweepMethodFactory Methods(ParseResult pr, Models.Classifier model) =>
        SweepMethods.Create(model, pr.GetValue(Reference)!, PathIntegration.Parse(pr.GetValue(IgRule)!),
            new AttributionOptions { SmoothGradSamples = pr.GetValue(SmoothGradSamples), SmoothGradSigma255 = pr.GetValue(SmoothGradSigma) });

    /// <summary>The criterion method for <paramref name="evaluation"/> from --criterion-ig (null: the evaluation method).</summary>
    public IAttributionMethod? CriterionFor(ParseResult pr, IAttributionMethod evaluation) =>
        CriterionQuadrature.Parse(pr.GetValue(CriterionIg)!)?.MethodFor(evaluation);

    /// <summary>Checks the counts that are not attack settings.</summary>
    public void CheckCounts(ParseResult pr)
    {
        if (pr.GetValue(IgSteps) < 1) throw new FragilityException($"--ig-steps must be at least 1 (default 100), got {pr.GetValue(IgSteps)}.");
        if (pr.GetValue(AttackSteps) < 1) throw new FragilityException($"--attack-steps must be at least 1 (default 20), got {pr.GetValue(AttackSteps)}.");
        if (pr.GetValue(BatchSize) < 1) throw new FragilityException($"--batch-size must be at least 1 (default 16), got {pr.GetValue(BatchSize)}.");
    }
}
