using System.CommandLine;
using System.Globalization;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Experiments.Sharding;
using Fragility.Reporting;
using Fragility.Runtime;
using Fragility.Cli.Commands;

namespace Fragility.Cli.Infrastructure;

/// <summary>What <c>sweep</c> tells and does around the grid: the plan and its estimated time, the workers of --jobs
/// and their merge, the report and the summary table.</summary>
internal static class SweepText
{
    /// <summary>The grid's size and settings, the shard, and (not in a worker, which leaves it to its parent) the estimate.</summary>
    public static void WritePlan(CliConsole console, Models.Classifier model, SweepMethodFactory factory, FragilitySweep sweep, SelectedInputs inputs, SweepSettings settings, SweepShard? part, bool fromEnvironment, int workers)
    {
        int perImage = settings.Methods.Count * settings.Attacks.Count * settings.Epsilons.Count;
        if (part is not null)
            console.Say($"Shard {part} ({(fromEnvironment ? "from the scheduler's environment" : "--shard")}): {sweep.TotalCells / perImage} of the {inputs.Count} images.");
        console.Say($"{sweep.TotalCells} cells: {inputs.Count} images (of {inputs.Scanned} scanned) x {settings.Methods.Count} methods x " +
            $"{settings.Attacks.Count} attacks x {settings.Epsilons.Count} epsilons; {settings.Iterations} iterations of {CommonOptions.Number(settings.Step)}/255, k = {sweep.K}, beta = {CommonOptions.Number(settings.Beta)}.");
        if (WorkerProgress.InWorker) return;
        var estimate = SweepEstimate.Measure(model, inputs, settings, factory, part is null ? inputs.Count : sweep.TotalCells / perImage);
        console.Say($"Estimated time: about {Durations.ForPeople(estimate.Seconds / workers)} for the whole grid" + (workers > 1 ? $" on {workers} workers, if each has a core of its own" : "") +
            string.Create(CultureInfo.InvariantCulture, $" (less if resuming), from a {estimate.CalibrationSeconds:F1} s calibration on ") +
            $"{estimate.CalibrationImages} images; one attack step per image: " +
            string.Join(", ", estimate.SecondsPerAttackStep.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value * 1000:F0} ms"))) + ".");
    }

    /// <summary>--jobs: the workers, each a shard of the grid, then the merge into <paramref name="outDir"/>, the report and the summary.</summary>
    public static int RunWorkers(CliConsole console, ParseResult pr, string outDir, int workers, long total, bool overwrite, IEnumerable<Option> drop, CancellationToken cancellation)
    {
        // The workers get no --overwrite: each would clear only its own shard, and the folder is cleared here once.
        if (overwrite) WorkerPool.ClearSweep(outDir);
        int code = WorkerPool.RunShards(console, pr, workers, "the grid", drop, total, "sweep", cancellation);
        if (code != 0) return code;
        var merged = SweepMerge.Run([outDir], outDir);
        console.Say($"{workers} workers done; merged their {merged.Cells} cells into {Path.GetFullPath(outDir)} ({SweepFiles.ResultsFile}, {SweepFiles.SummaryFile}, {SweepFiles.FigureFile}).");
        WriteReportAndSummary(console, outDir);
        return 0;
    }

    /// <summary>After a whole sweep: the HTML report, and the summary table at the largest epsilon.</summary>
    public static void WriteReportAndSummary(CliConsole console, string outDir)
    {
        string report = ReportCommand.Write(console, outDir, null, []);
        var summary = SweepSummary.Load(outDir);
        double largest = summary.Epsilons.Count > 0 ? summary.Epsilons.Max() : 0;
        console.Say($"Summary at the largest epsilon ({largest.ToString("G4", CultureInfo.InvariantCulture)}/255): 1 = map unchanged; the label is kept in every returned perturbation.");
        SummaryTable.Write(console, summary, [largest]);
        console.Say($"Open the report: {report}");
    }
}
