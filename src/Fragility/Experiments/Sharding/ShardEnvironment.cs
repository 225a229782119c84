using System.Globalization;

namespace Fragility.Experiments.Sharding;

/// <summary>
/// Reads a sweep's shard from the environment a scheduler gives each array task, so that every task can run the
/// same command line:
/// <list type="bullet">
/// <item><description>Slurm job arrays: <c>SLURM_ARRAY_TASK_ID</c> within <c>SLURM_ARRAY_TASK_MIN</c>..<c>MAX</c>
/// in steps of <c>SLURM_ARRAY_TASK_STEP</c> (default 1), with <c>SLURM_ARRAY_TASK_COUNT</c> tasks; so
/// <c>--array=0-7</c>, <c>--array=1-8</c> and <c>--array=0-14:2</c> all give shards 1/8 .. 8/8 in task order. The
/// ids must form such a range, unless <c>FRAGILITY_SHARD_COUNT</c> is set: then the task id is the 0-based shard
/// index of that many shards, so that some shards can be submitted again (<c>--array=2,5</c>).</description></item>
/// <item><description>Kubernetes Indexed Jobs: <c>JOB_COMPLETION_INDEX</c> (0-based) with
/// <c>FRAGILITY_SHARD_COUNT</c>, which the Job sets to its completions (Kubernetes does not pass that number to the
/// pod).</description></item>
/// </list>
/// Slurm's variables win when both are set.
/// </summary>
public static class ShardEnvironment
{
    /// <summary>Slurm: this task's id.</summary>
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";

    /// <summary>Slurm: the array's smallest task id.</summary>
    public const string SlurmTaskMin = "SLURM_ARRAY_TASK_MIN";

    /// <summary>Slurm: the array's largest task id.</summary>
    public const string SlurmTaskMax = "SLURM_ARRAY_TASK_MAX";

    /// <summary>Slurm: the array's step between task ids.</summary>
    public const string SlurmTaskStep = "SLURM_ARRAY_TASK_STEP";

    /// <summary>Slurm: the number of tasks in the array.</summary>
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>Kubernetes Indexed Job: this pod's 0-based completion index.</summary>
    public const string JobCompletionIndex = "JOB_COMPLETION_INDEX";

    /// <summary>The number of shards: the Kubernetes Indexed Job's completions, or, with Slurm, the size of the original
/// array when only some of its tasks are submitted again (task ids are then 0-based shard indices).</summary>
    public const string ShardCount = "FRAGILITY_SHARD_COUNT";

    /// <summary>The shard of this process, from its environment; null when no scheduler variable is set.</summary>
    /// <exception cref="FragilityException">The variables are set but inconsistent or not numbers.</exception>
    public static SweepShard? Detect() => Detect(Environment.GetEnvironmentVariable);

    /// <summary>The shard described by <paramref name="variable"/> (a lookup of environment variables).</summary>
    /// <exception cref="FragilityException">The variables are set but inconsistent or not numbers.</exception>
    public static SweepShard? Detect(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        int? shards = Number(variable, ShardCount);
        if (Number(variable, SlurmTaskId) is int id)
            return shards is int n ? FromIndex(SlurmTaskId, id, n) : FromSlurm(variable, id);
        if (Number(variable, JobCompletionIndex) is int index)
        {
            if (shards is not int count)
                throw new FragilityException($"{JobCompletionIndex} is set but {ShardCount} is not: set {ShardCount} to the Indexed Job's completions in its pod template, or pass --shard I/N.");
            return FromIndex(JobCompletionIndex, index, count);
        }
        return null;
    }

    private static SweepShard FromIndex(string name, int index, int count)
    {
        if (count < 1) throw new FragilityException($"{ShardCount}={count} is not a number of shards: set it to 1 or more.");
        if (index < 0 || index >= count)
            throw new FragilityException($"{name}={index} is outside 0..{count - 1} for {ShardCount}={count}: task ids must be 0-based shard indices below {ShardCount}.");
        return new SweepShard(index + 1, count);
    }

    private static SweepShard FromSlurm(Func<string, string?> variable, int id)
    {
        int? min = Number(variable, SlurmTaskMin), max = Number(variable, SlurmTaskMax), count = Number(variable, SlurmTaskCount);
        int step = Number(variable, SlurmTaskStep) ?? 1;
        if (min is null || (max is null && count is null))
            throw new FragilityException($"{SlurmTaskId} is set but {SlurmTaskMin} and {SlurmTaskCount} (or {SlurmTaskMax}) are not: pass --shard I/N explicitly.");
        if (step < 1) throw new FragilityException($"{SlurmTaskStep}={step} is not a positive step: pass --shard I/N explicitly.");
        int offset = id - min.Value;
        int? rangeCount = max is int m ? (m - min.Value) / step + 1 : null;
        int tasks = count ?? rangeCount!.Value;
        bool range = offset >= 0 && offset % step == 0 && offset / step < tasks
            && (rangeCount is null || (rangeCount == tasks && (max!.Value - min.Value) % step == 0));
        if (!range)
            throw new FragilityException($"Slurm array task {id} (ids {min}..{max?.ToString(CultureInfo.InvariantCulture) ?? "?"} step {step}, {tasks} tasks) is not part of a contiguous range of task ids: submit the array as --array=0-{tasks - 1}, or pass --shard I/N.");
        return new SweepShard(offset / step + 1, tasks);
    }

    private static int? Number(Func<string, string?> variable, string name)
    {
        string? text = variable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            throw new FragilityException($"Environment variable {name}='{text}' is not a whole number: unset it, or pass --shard I/N.");
        return value;
    }
}
