using Fragility.Tests.Cli;

namespace Fragility.Tests.ScaleOut;

/// <summary>The help says where the shard comes from when --shard is not given, and what merge checks.</summary>
[Collection("console")]
public sealed class ShardHelpTests
{
    [Fact]
    public void SweepHelp_NamesTheSchedulerVariables()
    {
        var (code, output, _) = CliHarness.Run("sweep", "--help");
        Assert.Equal(0, code);
        string text = string.Join(" ", output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        foreach (string name in new[] { "--shard", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX", "FRAGILITY_SHARD_COUNT", "fragility merge" })
            Assert.Contains(name, text);
    }

    [Fact]
    public void MergeHelp_AndAMissingFolder()
    {
        var (code, output, _) = CliHarness.Run("merge", "--help");
        Assert.Equal(0, code);
        Assert.Contains("fingerprint", output);
        var (bad, _, err) = CliHarness.Run("merge", "/nonexistent/fragility-shards", "--out", "/tmp/fragility-merge-never");
        Assert.Equal(2, bad);
        Assert.Contains("does not exist", err);
    }
}
