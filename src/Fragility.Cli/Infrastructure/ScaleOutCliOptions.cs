using System.CommandLine;
using Fragility.Experiments.Sharding;
using Fragility.Runtime;

namespace Fragility.Cli.Infrastructure;

/// <summary>How a long command uses more than one core or machine (--shard, --jobs), defined once for <c>sweep</c>,
/// <c>audit</c>, <c>defend</c> and <c>influence-attack</c>.</summary>
/// <param name="unit">What a shard is a part of, e.g. "the sweep (whole batches of --batch-size images)".</param>
/// <param name="then">What to do once every shard is done.</param>
internal sealed class ScaleOutCliOptions(string unit, string then)
{
    /// <summary>--shard I/N.</summary>
    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = $"Run only shard I of N of {unit} (1-based, e.g. 2/8), beside the other shards in --out; {then} Without it: read from the scheduler's environment, " +
            "SLURM_ARRAY_TASK_ID within SLURM_ARRAY_TASK_MIN..MAX (with SLURM_ARRAY_TASK_STEP and SLURM_ARRAY_TASK_COUNT) for a Slurm job array, or " +
            "JOB_COMPLETION_INDEX (0-based) with FRAGILITY_SHARD_COUNT for a Kubernetes Indexed Job; the whole run when none is set. See cluster/README.md.",
    };

    /// <summary>--jobs N.</summary>
    public Option<int> Jobs { get; } = CommonOptions.Jobs();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Shard);
        command.Options.Add(Jobs);
    }

    /// <summary>Whether --shard was written out (rather than read from a scheduler's environment).</summary>
    public bool ShardGiven(ParseResult pr) => pr.GetValue(Shard) is not null;

    /// <summary>This run's shard (from --shard or the scheduler's environment; null for the whole run) and the worker
    /// processes to start (<see cref="CommonOptions.Workers"/>); sets up libtorch, on one thread when workers will run.</summary>
    public (SweepShard? Part, int Jobs) Resolve(ParseResult pr, RuntimeCliOptions runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var part = pr.GetValue(Shard) is string given ? SweepShard.Parse(given) : ShardEnvironment.Detect();
        int jobs = CommonOptions.Workers(pr, Jobs, runtime.Threads, part, ShardGiven(pr));
        // With workers the parent's own timing (a calibration) is made on one thread, as each worker runs.
        TorchRuntime.Initialize(jobs > 1 ? 1 : pr.GetValue(runtime.Threads), pr.GetValue(runtime.Device));
        return (part, jobs);
    }

    /// <summary>The options a worker does not get from its parent (it gets its own --shard, --jobs and --threads).</summary>
    public IReadOnlyList<Option> NotForWorkers(RuntimeCliOptions runtime, params Option[] more) => [Jobs, runtime.Threads, Shard, .. more];
}
