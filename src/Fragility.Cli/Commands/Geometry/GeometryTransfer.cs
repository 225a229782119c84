using System.CommandLine;
using Fragility.Attacks;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Geometry;

namespace Fragility.Cli.Commands.Geometry;

/// <summary><c>fragility geometry transfer: one model's explanation attack applied to others.</c></summary>
internal static class GeometryTransfer
{
    public static Command Build()
    {
        var common = new GeometryCliOptions("geometry-transfer", images: 100);
        var jobs = new GeometryJobsCliOptions();
        var targets = new Option<string>("--targets") { Description = "Model files B to transfer to, comma-separated (another seed, another architecture, an imported model, a model trained on another data set of the same input size). Required." };
        var attack = new Option<string>("--attack", "-a") { Description = "Attack on the source model's explanation: topk or mass_center.", DefaultValueFactory = _ => "topk" };
        var method = new Option<string>("--method") { Description = "Explanation method (attacked on the source, compared on every model).", DefaultValueFactory = _ => "gradient" };
        var cmd = new Command("transfer", "Perturbations found by attacking the explanation of --model (A) are applied to other models (--targets), compared with random sign noise of the same epsilon: " +
            "a table of top-k intersection, Spearman correlation and label kept on each model. Writes transfer.csv, transfer.png, per-image/transfer.csv, section.json.")
        { targets, attack, method };
        common.AddTo(cmd);
        jobs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            string attackName = AttackNames.Canonical(pr.GetValue(attack)!);
            if (attackName is not (AttackNames.TopK or AttackNames.MassCenter))
                throw new FragilityException($"--attack must be topk or mass_center, got '{pr.GetValue(attack)}'.");
            var targetPaths = pr.GetValue(targets) is string t ? Lists.Split(t, "--targets") : throw new FragilityException("--targets is required: give the model files to transfer to, comma-separated.");
            using var model = common.LoadModel(pr, out string name);
            var loaded = TransferExperiment.LoadTargets(targetPaths);
            try
            {
                using var inputs = common.LoadInputs(console, pr, model);
                var explanation = Attribution.AttributionMethods.Create(pr.GetValue(method)!);
                var settings = common.Settings(pr);
                int batchSize = pr.GetValue(common.BatchSize);
                return jobs.RunImages(console, pr, common, "transfer", inputs.Count,
                    (images, p, cancel) => TransferExperiment.MeasureImages(model, name, loaded, inputs, attackName, explanation, settings, batchSize, images, p, cancel),
                    parts => GeometryFiles.Write(TransferExperiment.Combine(model, name, loaded, inputs, attackName, explanation, settings, parts), pr.GetValue(common.Output)!, new TransferWriter()));
            }
            finally
            {
                foreach (var (m, _) in loaded) m.Dispose();
            }
        }));
        return cmd;
    }
}
