using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Sharding;
using Fragility.Influence;
using Fragility.IO;
using Fragility.Models;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility influence-attack</c>: attacks influence-function explanations (the work is <see cref="InfluenceAttackSweep"/>'s).</summary>
public sealed class InfluenceAttackCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 41;

    /// <inheritdoc />
    public Command Build()
    {
        var task = new InfluenceCliOptions();
        var attacks = new InfluenceAttackCliOptions();
        var folder = new RunFolderCliOptions("influence-attack-out", null, "the test points (whole --batch batches, into results.shard-I-of-N.jsonl)",
            "then the same command without --shard takes the shards' results and writes the outputs.");
        var cmd = new Command("influence-attack",
            "Attack influence-function explanations (Ghorbani, Abid & Zou 2019, §5): perturb each test image by x + eps * sign(grad_x D), D the summed influence I(z_i, z_t) of its top-3 " +
            "helpful training points (helpful: I < 0), oriented to make them less helpful, with network, head, Hessian and training set fixed; compare with random sign noise of the same eps. " +
            "Reports per test point and eps the Spearman correlation of the influence vectors before/after, how many of the top-5 helpful points stay, the head's and the network's labels, " +
            "the realised L-inf and the angle between grad_x of the test loss and the attack direction. Writes results.jsonl (re-running the same command resumes), summary.csv, " +
            "influence-attack.png and report.html.");
        task.AddTo(cmd);
        attacks.AddTo(cmd);
        folder.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            var (part, jobCount) = folder.Resolve(pr);
            var sweep = attacks.Bind(pr);
            string outDir = folder.Folder(pr);
            using var loaded = task.Load(console, pr);
            var setup = loaded.Setup;
            console.Line($"Head on {setup.Features.LastLayerName} input ({setup.Features.Dimension} features), {string.Join(" vs ", setup.ClassNames)}, " +
                $"{setup.TrainingCount} training images, lambda {setup.Settings.L2.ToString(CultureInfo.InvariantCulture)}: train accuracy {setup.TrainAccuracy.ToString("P2", CultureInfo.InvariantCulture)}, " +
                $"test accuracy {setup.TestAccuracy.ToString("P2", CultureInfo.InvariantCulture)}; {setup.TestIndices.Count} test points.");
            var run = InfluenceAttackSweep.Manifest(setup, sweep, pr.GetValue(task.Model) ?? "(shipped)",
                FileHash.Sha256(pr.GetValue(task.Model) is { Length: > 0 } m ? m : ModelStore.ShippedModelPath()), pr.GetValue(task.Dataset)!, CliCommandLine.Of(pr));
            // A worker owns whole batches of test points, as the single run batches them.
            int workers = part is null ? Math.Min(jobCount, (setup.TestIndices.Count + sweep.BatchSize - 1) / sweep.BatchSize) : 1;
            return CliCancellation.Run(console, $"finished results are kept in {outDir}", cancel =>
            {
                if (workers > 1 && WorkerPool.RunShards(console, pr, workers, $"the {setup.TestIndices.Count} test points", folder.NotForWorkers(), 0, "influence-attack", cancel) is int code and not 0)
                    return code;
                var result = ConsoleProgress.Run(console, "influence-attack", p => InfluenceAttackSweep.Run(setup, sweep, outDir, run, p, part, cancel));
                if (part is not null)
                {
                    console.Say($"Shard {part} done: {result.Computed} results computed, {result.Resumed} resumed. When every shard is: this command without --shard writes the outputs.");
                    return 0;
                }
                InfluenceSummaryText.WriteAttackSummary(console, result, sweep.Attacks[0].KeepTop);
                console.Line($"{result.Computed} results computed, {result.Resumed} resumed{(result.DroppedBytes > 0 ? $", a truncated last line ({result.DroppedBytes} bytes) dropped" : "")}. " +
                    $"Wrote {outDir}: results.jsonl, summary.csv, influence-attack.png, report.html.");
                return 0;
            });
        }));
        return cmd;
    }
}
