using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Experiments.Sharding;
using Fragility.Models;
using Fragility.Runtime;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility sweep</c>: the paper's experiment grid, resumable, into a sweep folder (the work is
/// <see cref="FragilitySweep"/>'s; <c>--jobs</c> runs it on worker processes, <see cref="WorkerPool"/>).</summary>
public sealed class SweepCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 40;

    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model();
        var dataset = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        var data = CommonOptions.Data();
        var grid = new SweepCliOptions();
        var run = new RunFolderCliOptions("sweep", "a previous sweep's files",
            "the sweep (whole batches of --batch-size images, into results.shard-I-of-N.jsonl and run.shard-I-of-N.json)", "join them with 'fragility merge'.");
        var cmd = new Command("sweep",
            "Run every method x attack x epsilon on the first N correctly classified test images and write DIR/run.json, DIR/results.jsonl (one line per input x method x attack x epsilon), " +
            "DIR/arrays/*.npy, DIR/summary.csv and DIR/figure.png. Re-running the same command resumes an interrupted sweep; different settings on the same DIR are refused.")
        {
            model, dataset, data,
        };
        grid.AddTo(cmd);
        run.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            var (part, jobCount) = run.Resolve(pr);
            using var classifier = ModelStore.Load(pr.GetValue(model));
            var p = classifier.Metadata.Preprocessing;
            var settings = grid.Bind(pr);
            settings.Validate(p.Height, p.Width);
            var factory = grid.Attack.MethodFactory(pr, classifier);
            foreach (string m in settings.Methods) factory(m, settings.IgSteps);   // unknown names fail before any data is read
            string name = pr.GetValue(dataset)!, outDir = run.Folder(pr);
            console.Say($"Selecting the first {settings.Images} correctly classified test images of {name}...");
            using var inputs = SweepInputs.Load(classifier, name, pr.GetValue(data), CliData.OptionsFor(classifier), settings.Images);
            var sweep = new FragilitySweep(classifier, inputs, settings, factory, new SweepProvenance(CliCommandLine.Of(pr), pr.GetValue(model) ?? ModelStore.ShippedModelPath()), part);
            int workers = part is null ? WorkerPool.WorkersFor(outDir, jobCount, (inputs.Count + settings.BatchSize - 1) / settings.BatchSize, run.Overwriting(pr), console.Say) : 1;
            SweepText.WritePlan(console, classifier, factory, sweep, inputs, settings, part, !run.ScaleOut.ShardGiven(pr), workers);
            string kept = workers > 1 ? $"the workers' {Path.Combine(outDir, $"results.shard-I-of-{workers}.jsonl")}"
                : Path.Combine(outDir, part is null ? SweepFiles.ResultsFile : ShardFiles.ResultsFile(part));
            return CliCancellation.Run(console, $"finished cells are kept in {kept}", cancel =>
            {
                if (workers > 1) return SweepText.RunWorkers(console, pr, outDir, workers, sweep.TotalCells, run.Overwriting(pr), run.NotForWorkers(), cancel);
                var outcome = ConsoleProgress.Run(console, "sweep", progress => sweep.Run(outDir, run.Overwriting(pr), progress, cancel));
                if (outcome.DroppedIncompleteLine) console.Line("note: dropped an incomplete last line of results.jsonl (an interrupted write); its cell was run again.");
                console.Say($"{outcome.CellsRun} cells run, {outcome.CellsResumed} resumed, {outcome.TotalCells} in all; wrote {Path.GetFullPath(outDir)} " +
                    (part is null ? $"({SweepFiles.ResultsFile}, {SweepFiles.SummaryFile}, {SweepFiles.FigureFile})."
                        : $"({ShardFiles.ResultsFile(part)}); when every shard is done: fragility merge {outDir} --out {outDir}"));
                if (part is null) SweepText.WriteReportAndSummary(console, outDir);
                return 0;
            });
        }));
        return cmd;
    }
}
