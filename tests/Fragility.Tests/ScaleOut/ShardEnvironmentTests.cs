using Fragility.Experiments.Sharding;

namespace Fragility.Tests.ScaleOut;

/// <summary>The shard is read from Slurm's array variables or a Kubernetes Indexed Job's index, and bad values are
/// refused with the variable's name.</summary>
public sealed class ShardEnvironmentTests
{
    private static SweepShard? Detect(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return ShardEnvironment.Detect(name => map.GetValueOrDefault(name));
    }

    private static (string, string)[] Slurm(int id, int min, int max, int step, int count) =>
    [
        ("SLURM_ARRAY_TASK_ID", id.ToString()), ("SLURM_ARRAY_TASK_MIN", min.ToString()), ("SLURM_ARRAY_TASK_MAX", max.ToString()),
        ("SLURM_ARRAY_TASK_STEP", step.ToString()), ("SLURM_ARRAY_TASK_COUNT", count.ToString()),
    ];

    [Fact]
    public void NoSchedulerVariables_MeanNoShard() => Assert.Null(Detect(("SLURM_JOB_ID", "17")));

    [Theory]
    [InlineData(0, 0, 7, 1, 8, 1)] // --array=0-7
    [InlineData(3, 0, 7, 1, 8, 4)]
    [InlineData(1, 1, 8, 1, 8, 1)] // --array=1-8
    [InlineData(8, 1, 8, 1, 8, 8)]
    [InlineData(14, 0, 14, 2, 8, 8)] // --array=0-14:2
    [InlineData(105, 100, 110, 5, 3, 2)] // --array=100-110:5
    [InlineData(5, 5, 5, 1, 1, 1)]
    public void SlurmArray_MapsTaskIdWithinMinMaxStep(int id, int min, int max, int step, int count, int expected)
    {
        Assert.Equal(new SweepShard(expected, count), Detect(Slurm(id, min, max, step, count)));
    }

    [Fact]
    public void SlurmArray_WithoutCount_UsesMinAndMax()
    {
        Assert.Equal(new SweepShard(3, 4), Detect(("SLURM_ARRAY_TASK_ID", "12"), ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_MAX", "13")));
    }

    [Fact]
    public void SlurmArray_OfListedIds_IsRefused()
    {
        // --array=1,4,9: min 1, max 9, 3 tasks; ids are not a range, so no shard number is safe.
        var e = Assert.Throws<FragilityException>(() => Detect(Slurm(4, 1, 9, 1, 3)));
        Assert.Contains("--array=0-2", e.Message);
    }

    [Fact]
    public void SlurmArray_WithShardCount_TakesTaskIdAsZeroBasedIndex()
    {
        // Re-submitting shards 3 and 6 of 8 as --array=2,5.
        var vars = Slurm(5, 2, 5, 1, 2).Append(("FRAGILITY_SHARD_COUNT", "8")).ToArray();
        Assert.Equal(new SweepShard(6, 8), Detect(vars));
        var outside = Slurm(8, 8, 8, 1, 1).Append(("FRAGILITY_SHARD_COUNT", "8")).ToArray();
        Assert.Contains("SLURM_ARRAY_TASK_ID=8", Assert.Throws<FragilityException>(() => Detect(outside)).Message);
    }

    [Fact]
    public void SlurmTaskId_WithoutMin_IsRefused()
    {
        var e = Assert.Throws<FragilityException>(() => Detect(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")));
        Assert.Contains("SLURM_ARRAY_TASK_MIN", e.Message);
    }

    [Theory]
    [InlineData(0, 8, 1)]
    [InlineData(7, 8, 8)]
    [InlineData(0, 1, 1)]
    public void KubernetesIndexedJob_MapsZeroBasedIndex(int index, int count, int expected)
    {
        Assert.Equal(new SweepShard(expected, count), Detect(("JOB_COMPLETION_INDEX", index.ToString()), ("FRAGILITY_SHARD_COUNT", count.ToString())));
    }

    [Fact]
    public void KubernetesIndex_WithoutShardCount_OrOutsideIt_IsRefused()
    {
        Assert.Contains("FRAGILITY_SHARD_COUNT", Assert.Throws<FragilityException>(() => Detect(("JOB_COMPLETION_INDEX", "3"))).Message);
        Assert.Contains("0..7", Assert.Throws<FragilityException>(() => Detect(("JOB_COMPLETION_INDEX", "8"), ("FRAGILITY_SHARD_COUNT", "8"))).Message);
    }

    [Fact]
    public void NonNumericVariable_IsNamed()
    {
        var e = Assert.Throws<FragilityException>(() => Detect(("JOB_COMPLETION_INDEX", "three"), ("FRAGILITY_SHARD_COUNT", "8")));
        Assert.Contains("JOB_COMPLETION_INDEX='three'", e.Message);
    }

    [Fact]
    public void Slurm_WinsOverKubernetes()
    {
        var vars = Slurm(1, 0, 1, 1, 2).Append(("JOB_COMPLETION_INDEX", "0")).ToArray();
        Assert.Equal(new SweepShard(2, 2), Detect(vars));
    }
}
