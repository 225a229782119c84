using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments;
using Fragility.Experiments.Sharding;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility merge</c>: joins the shards of a sweep into the folder a single run writes.</summary>
public sealed class MergeCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 41;

    /// <inheritdoc />
    public Command Build()
    {
        var folders = new Argument<string[]>("DIR")
        {
            Description = "Folders holding the shards (the --out of 'fragility sweep --shard I/N', or of its Slurm or Kubernetes array); one or more.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "The merged sweep folder (created if missing; may be one of the DIRs): run.json, results.jsonl, summary.csv, figure.png and arrays/, " +
                "as a single run with the same settings writes them, for 'fragility report'.",
            Required = true,
        };
        var cmd = new Command("merge",
            "Merge the shards of one sweep. Checks that every shard carries the same settings fingerprint, that shards 1..N are each there exactly once, and " +
            "that every cell of the grid is there exactly once (a clear error names what is missing or duplicated), then writes what a single run writes.")
        {
            folders, output,
        };
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            var outcome = SweepMerge.Run(pr.GetValue(folders)!, pr.GetValue(output)!);
            console.Line($"merged {outcome.Shards} shards of sweep {outcome.Fingerprint}: {outcome.Cells} cells; wrote {outcome.Directory} " +
                $"({SweepFiles.RunFile}, {SweepFiles.ResultsFile}, {SweepFiles.SummaryFile}, {SweepFiles.FigureFile}" +
                (outcome.ArraysCopied > 0 ? $", {outcome.ArraysCopied} arrays copied" : "") + ").");
            return 0;
        }));
        return cmd;
    }
}
