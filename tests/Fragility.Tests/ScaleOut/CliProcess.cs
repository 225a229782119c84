using System.Diagnostics;

namespace Fragility.Tests.ScaleOut;

/// <summary>Runs the built CLI (Fragility.Cli.dll beside the tests) as a separate process, the way array tasks run it.</summary>
public static class CliProcess
{
    // Variables that would make a child think it is an array task; removed unless a test sets them.
    private static readonly string[] SchedulerVariables =
    [
        "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX", "FRAGILITY_SHARD_COUNT",
    ];

    /// <summary>Starts <c>fragility args</c> with <paramref name="environment"/> added to a clean scheduler environment.</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Fragility.Cli.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (string a in args) info.ArgumentList.Add(a);
        foreach (string v in SchedulerVariables) info.Environment.Remove(v);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>Waits for <paramref name="process"/> (at most two minutes) and returns its output; fails on a non-zero exit.</summary>
    public static string Finish(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the CLI did not finish in two minutes");
        }
        string output = stdout.Result + stderr.Result;
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{output}");
        process.Dispose();
        return output;
    }
}
