using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Geometry;
using Fragility.Experiments.Sharding;
using Fragility.Runtime;

namespace Fragility.Cli.Commands.Geometry;

/// <summary>
/// <c>--jobs N</c> for the geometry studies that loop over images or models: N worker processes of one thread each
/// measure whole batches of the images (angles, spectrum, transfer) or whole models (Lipschitz; dimension's sizes,
/// each a model trained or loaded) (<see cref="WorkerPool"/>, their progress folded into one bar) and hand their
/// parts back as files (<see cref="GeometryParts"/>); this process combines them into exactly the single run's result
/// and writes the folder. The toy study (an analytic model) and digits (a data-set writer) run in one process.
/// </summary>
internal sealed class GeometryJobsCliOptions
{
    /// <summary>--jobs N.</summary>
    public Option<int> Jobs { get; } = CommonOptions.Jobs($"Worker processes, each measuring whole batches of the images (whole models for lipschitz, whole sizes for dimension) on one thread; " +
        $"this process combines their parts into exactly what a single run writes. The default is every core of this machine ({CommonOptions.DefaultJobs}), but never more than there are batches " +
        "(models, sizes). 1 runs in this process; so does --threads N given without --jobs.");

    /// <summary>A worker's shard of the images, given by its parent.</summary>
    public Option<string?> Shard { get; } = new("--shard") { Hidden = true, Description = "Set by --jobs for its workers: the shard I/N of the images this process measures." };

    /// <summary>The folder a worker writes its part into, given by its parent.</summary>
    public Option<string?> Parts { get; } = new("--parts") { Hidden = true, Description = "Set by --jobs for its workers: the folder this process writes its part into." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Jobs);
        command.Options.Add(Shard);
        command.Options.Add(Parts);
    }

    /// <summary>Runs a study over <paramref name="images"/> images in batches of --batch-size (<see cref="Run{TPart}"/>).</summary>
    public int RunImages<TPart>(CliConsole console, ParseResult pr, GeometryCliOptions common, string study, int images,
        Func<(int Start, int Count)?, IProgress<ProgressUpdate>, CancellationToken, TPart> measure, Func<IReadOnlyList<TPart>, ExperimentSummary> write)
    {
        ArgumentNullException.ThrowIfNull(common);
        return Run(console, pr, common, study, images, pr.GetValue(common.BatchSize), $"the {images} images (whole batches of --batch-size)", measure, write);
    }

    /// <summary>Runs a study over <paramref name="items"/> items (images, models): in this process, or on worker
    /// processes whose parts are combined; then writes the folder (<paramref name="write"/>) and prints its headlines.</summary>
    /// <param name="console">Where to tell what happens.</param>
    /// <param name="pr">The command line.</param>
    /// <param name="common">The study's shared options (threads).</param>
    /// <param name="study">The study's name, for the progress bar.</param>
    /// <param name="items">How many items the study measures.</param>
    /// <param name="batchSize">Items measured together; a worker owns whole batches.</param>
    /// <param name="what">What the workers share, in words ("the 3 models").</param>
    /// <param name="measure">Measures the given items (whole batches; null: all).</param>
    /// <param name="write">Combines the parts, in order, and writes the folder.</param>
    public int Run<TPart>(CliConsole console, ParseResult pr, GeometryCliOptions common, string study, int items, int batchSize, string what,
        Func<(int Start, int Count)?, IProgress<ProgressUpdate>, CancellationToken, TPart> measure, Func<IReadOnlyList<TPart>, ExperimentSummary> write)
    {
        ArgumentNullException.ThrowIfNull(common);
        var shard = pr.GetValue(Shard) is string given ? SweepShard.Parse(given) : null;
        int batches = (items + batchSize - 1) / batchSize;
        int workers = shard is null ? Math.Min(CommonOptions.Workers(pr, Jobs, common.Runtime.Threads, null, false), batches) : 1;
        return CliCancellation.Run(console, "nothing was written (a geometry study writes its folder when it is done)", cancel =>
        {
            if (shard is not null)
            {
                string folder = pr.GetValue(Parts) ?? throw new FragilityException("--shard is for the workers of --jobs: run the command without it.");
                var part = ConsoleProgress.Run(console, study, p => measure(shard.Positions(items, batchSize), new Stages(study, p), cancel));
                GeometryParts.Write(PartFile(folder, shard), part);
                return 0;
            }
            if (workers <= 1) return GeometryCliOptions.Print(console, write([ConsoleProgress.Run(console, study, p => measure(null, p, cancel))]));
            var parts = Directory.CreateTempSubdirectory("fragility-geometry-");
            try
            {
                int code = WorkerPool.RunShards(console, pr, workers, what, [Jobs, common.Runtime.Threads, Shard, Parts], items, study, cancel, ["--parts", parts.FullName]);
                if (code != 0) return code;
                var read = Enumerable.Range(1, workers).Select(i => GeometryParts.Read<TPart>(PartFile(parts.FullName, new SweepShard(i, workers)))).ToList();
                return GeometryCliOptions.Print(console, write(read));
            }
            finally
            {
                parts.Delete(recursive: true);
            }
        }, then: "run the same command again");
    }

    private static string PartFile(string folder, SweepShard shard) => Path.Combine(folder, $"part.{shard.Tag}.json");

    /// <summary>A worker's stages (e.g. the spectra, then the attack; for dimension, each size's training and attack)
    /// as one task whose units are summed over the stages begun, so that the parent folds like with like into its one
    /// bar. A stage that starts again (its count falls) is added to the finished ones first.</summary>
    private sealed class Stages(string study, IProgress<ProgressUpdate> inner) : IProgress<ProgressUpdate>
    {
        private readonly Dictionary<string, ProgressUpdate> _last = [];
        private long _finishedDone, _finishedTotal;

        public void Report(ProgressUpdate value)
        {
            if (_last.TryGetValue(value.Task, out var previous) && value.Done < previous.Done)
            {
                _finishedDone += previous.Done;
                _finishedTotal += previous.Total;
            }
            _last[value.Task] = value;
            inner.Report(new ProgressUpdate(study, _finishedDone + _last.Values.Sum(u => u.Done), _finishedTotal + _last.Values.Sum(u => u.Total),
                value.Status is null ? value.Task : $"{value.Task}, {value.Status}"));
        }
    }
}
