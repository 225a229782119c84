using System.CommandLine;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments;
using Fragility.Models;

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
        var inputs = new InputCliOptions("Inputs to attack");
        var method = new Option<string>("--method") { Description = $"Attribution method whose maps are attacked: {string.Join(", ", AttributionMethods.Names)}.", DefaultValueFactory = _ => "gradient" };
        var attack = new Option<string>("--attack", "-a")
        {
            Description = "Attack: random (one random-sign draw), random_walk (P random-sign steps keeping the best), topk, mass_center or targeted (needs --target-region or --target-mask).",
            DefaultValueFactory = _ => AttackNames.TopK,
        };
        var epsilon = CommonOptions.Epsilon("The attack's budget.");
        var shared = new AttackCliOptions();
        var output = CommonOptions.Out("attack-out");
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("attack",
            "Attack the explanations of some inputs (Algorithm 1 of Ghorbani et al.): perturb each input within an L-infinity ball, keeping its label, so that its map changes most. " +
            "Writes perturbed images (PNG and exact .npy), maps before and after (heatmap PNG and .npy) and per-input metrics (metrics.jsonl).")
        {
            model, method, attack, epsilon, output,
        };
        inputs.AddTo(cmd);
        shared.AddTo(cmd);
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            using var classifier = ModelStore.Load(pr.GetValue(model));
            var settings = shared.Settings(pr, pr.GetValue(epsilon));
            string attackName = AttackNames.Canonical(pr.GetValue(attack)!), methodName = pr.GetValue(method)!;
            var methods = shared.MethodFactory(pr, classifier);
            var evaluation = methods(methodName, pr.GetValue(shared.IgSteps));
            var attacker = AttackFactory.Create(attackName, classifier, evaluation, settings, methods(methodName, pr.GetValue(shared.AttackSteps)),
                shared.Target(pr), shared.CriterionFor(pr, evaluation));
            using var images = inputs.Load(console, pr, classifier);
            var p = classifier.Metadata.Preprocessing;
            int k = settings.ResolveK(p.Height, p.Width);
            string outDir = pr.GetValue(output)!;
            console.Line($"Attacking {images.Count} input(s): {methodName} maps, {attackName} attack, epsilon {CommonOptions.Number(settings.Epsilon)}/255, " +
                $"{(attackName == AttackNames.Random ? "one draw" : $"{settings.Iterations} iterations of {CommonOptions.Number(settings.Step)}/255")}, k = {k}, beta = {CommonOptions.Number(settings.Beta)}.");
            var results = ConsoleProgress.Run(console, "attack", progress =>
                AttackExperiment.Run(classifier, images, methodName, attacker, evaluation, k, outDir, pr.GetValue(shared.BatchSize), progress));
            AttackTable.Write(console, classifier, results, k, outDir);
            return 0;
        }));
        return cmd;
    }
}
