using System.Collections.Concurrent;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using Fragility.Experiments;
using Fragility.Experiments.Sharding;
using Fragility.Runtime;

namespace Fragility.Cli.Infrastructure;

/// <summary>
/// <c>--jobs N</c>: runs N worker processes of this same CLI, worker i with the user's arguments and
/// <c>--shard i/N --jobs 1 --threads 1</c>, so each owns whole batches of the grid (the shard machinery; results are
/// bit for bit the single run's). Their progress is folded into one update stream (<see cref="WorkerProgress"/>). The
/// first worker that fails stops the others; cancellation kills them all, and their shards resume on the next run.
/// </summary>
/// <remarks>Processes rather than threads: libtorch's per-operation threading costs more than it gains on small
/// tensors (README, Performance), while independent single-threaded processes keep every core busy.</remarks>
public static class WorkerPool
{
    /// <summary>Runs the workers until all have finished.</summary>
    /// <param name="arguments">The command's arguments for a worker, without --shard, --jobs and --threads
    /// (see <see cref="WorkerArguments"/>).</param>
    /// <param name="workers">How many workers, at least 1.</param>
    /// <param name="command">The command line the user typed (for the run files' provenance).</param>
    /// <param name="total">Cells of the whole grid, for the folded progress (0 when unknown).</param>
    /// <param name="progress">Receives the folded progress, on the calling thread.</param>
    /// <param name="cancellation">Kills the workers and throws <see cref="OperationCanceledException"/>.</param>
    /// <param name="error">Where a failed worker's error is told (default: standard error).</param>
    /// <returns>0 when every worker succeeded, else the failed worker's exit code (its error is written to <paramref name="error"/>).</returns>
    public static int Run(IReadOnlyList<string> arguments, int workers, string command, long total, IProgress<ProgressUpdate>? progress, CancellationToken cancellation,
        TextWriter? error = null)
    {
        error ??= Console.Error;
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var fold = new WorkerProgress(workers, total);
        var events = new BlockingCollection<(int Worker, ProgressUpdate Update)>();
        var errors = Enumerable.Range(0, workers).Select(_ => new ConcurrentQueue<string>()).ToArray();
        var processes = new List<Process>();
        try
        {
            for (int i = 0; i < workers; i++)
            {
                int worker = i;
                var p = new Process { StartInfo = StartInfo([.. arguments, "--shard", $"{i + 1}/{workers}", "--jobs", "1", "--threads", "1"], command) };
                p.ErrorDataReceived += (_, e) =>
                {
                    if (e.Data is null) return;
                    if (WorkerProgress.Parse(e.Data) is { } u) events.Add((worker, u));
                    else if (e.Data.Trim().Length > 0) errors[worker].Enqueue(e.Data.Trim());
                };
                p.OutputDataReceived += (_, _) => { };   // the worker's own messages: the parent says what matters
                p.Start();
                processes.Add(p);
                p.BeginErrorReadLine();
                p.BeginOutputReadLine();
            }
            while (true)
            {
                // Progress is reported here, on the caller's thread, as the console renderers expect.
                while (events.TryTake(out var e, 100)) progress?.Report(fold.Observe(e.Worker, e.Update));
                cancellation.ThrowIfCancellationRequested();
                int failed = processes.FindIndex(p => p.HasExited && p.ExitCode != 0);
                if (failed >= 0)
                {
                    var p = processes[failed];
                    p.WaitForExit();   // all of its standard error has been read
                    int code = p.ExitCode;
                    // Ctrl+C reaches the workers too (one process group); they stop as an interrupted run does.
                    if (code == CliCancellation.Interrupted) throw new OperationCanceledException();
                    StopAll(processes);
                    string reason = errors[failed].LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? errors[failed].LastOrDefault()
                        ?? (code > 128 ? $"it wrote no error: it was ended by signal {code - 128} (killed, e.g. when memory ran out)." : "it wrote no error.");
                    error.WriteLine($"error: worker {failed + 1} of {workers} (--shard {failed + 1}/{workers}) failed with exit code {code}: " +
                        $"{StripPrefix(reason)} The other workers were stopped; finished cells are kept, so the same command resumes.");
                    return code;
                }
                if (processes.All(p => p.HasExited))
                {
                    foreach (var p in processes) p.WaitForExit();
                    while (events.TryTake(out var e)) progress?.Report(fold.Observe(e.Worker, e.Update));
                    cancellation.ThrowIfCancellationRequested();
                    if (processes.Any(p => p.ExitCode != 0)) continue;   // seen on the next pass
                    return 0;
                }
            }
        }
        finally
        {
            StopAll(processes);
            foreach (var p in processes) p.Dispose();
        }
    }

    /// <summary>How many workers a run into <paramref name="directory"/> uses: --jobs, but no more than the grid's
    /// batches (a worker owns whole batches). An unfinished run there keeps its own count, so that its shards resume:
    /// the shards of an earlier --jobs run keep theirs, and a single run (run.json without shards) resumes in one process.</summary>
    /// <param name="directory">The --out folder.</param>
    /// <param name="jobs">--jobs.</param>
    /// <param name="batches">Batches of the grid.</param>
    /// <param name="overwrite">--overwrite: the folder is cleared first, so nothing in it counts.</param>
    /// <param name="note">Told when the folder decides the count.</param>
    /// <exception cref="FragilityException">The folder holds shards of different counts.</exception>
    public static int WorkersFor(string directory, int jobs, int batches, bool overwrite, Action<string> note)
    {
        ArgumentNullException.ThrowIfNull(note);
        int wanted = Math.Max(1, Math.Min(jobs, batches));
        if (overwrite || !Directory.Exists(directory)) return wanted;
        var counts = ShardCounts(directory);
        if (counts.Count > 1)
            throw new FragilityException($"'{directory}' holds shards of runs split {string.Join(" and ", counts)} ways: merge one of them " +
                "('fragility merge'), or give --overwrite to start over.");
        if (counts.Count == 1)
        {
            if (counts[0] != wanted && jobs > 1) note($"'{directory}' holds the shards of an earlier run on {counts[0]} workers: resuming them with {counts[0]} workers.");
            return jobs > 1 ? counts[0] : 1;
        }
        if (wanted > 1 && File.Exists(Path.Combine(directory, SweepFiles.RunFile)))
        {
            note($"'{directory}' holds a run made in one process: resuming it in one process (--overwrite starts over on {wanted} workers).");
            return 1;
        }
        return wanted;
    }

    /// <summary>Runs <paramref name="workers"/> workers of the command <paramref name="pr"/> parsed, each a shard of
    /// <paramref name="unit"/>, telling the user and folding their progress under <paramref name="title"/>.</summary>
    /// <returns>0, or the exit code of a failed worker.</returns>
    /// <param name="extra">Arguments a worker gets besides its parent's.</param>
    internal static int RunShards(CliConsole console, ParseResult pr, int workers, string unit, IEnumerable<Option> drop, long total, string title,
        CancellationToken cancellation, IReadOnlyList<string>? extra = null)
    {
        console.Say($"Running {workers} worker processes, each a shard of {unit} on one thread (--jobs; --jobs 1 runs in this process).");
        var arguments = WorkerArguments(pr, drop);
        arguments.AddRange(extra ?? []);
        return ConsoleProgress.Run(console, title, p => Run(arguments, workers, CliCommandLine.Of(pr), total, p, cancellation, console.Error));
    }

    /// <summary>The attack grid of an audit <paramref name="plan"/> on worker processes, merged into
    /// <paramref name="directory"/>; nothing when one process is enough (the caller's own run then does the grid).</summary>
    /// <param name="console">Where to tell what happens.</param>
    /// <param name="pr">The audit's command line, whose options less <paramref name="drop"/> the workers get.</param>
    /// <param name="plan">The audit's plan (its grid and batch size).</param>
    /// <param name="directory">The audit folder.</param>
    /// <param name="jobs">--jobs, or null when this run is itself a shard.</param>
    /// <param name="drop">Options a worker does not get (it gets its own --shard, --jobs and --threads).</param>
    /// <param name="extra">Arguments a worker gets besides.</param>
    /// <param name="cancellation">Stops the workers.</param>
    /// <returns>0, or the exit code of a failed worker.</returns>
    internal static int RunAuditGrid(CliConsole console, ParseResult pr, Audit.AuditPlan plan, string directory, int? jobs, IEnumerable<Option> drop,
        IReadOnlyList<string> extra, CancellationToken cancellation)
    {
        var sweep = plan.Sweep;
        if (jobs is not int n) return 0;
        int workers = WorkersFor(directory, n, (plan.Inputs.Count + sweep.BatchSize - 1) / sweep.BatchSize, overwrite: false, console.Say);
        if (workers <= 1) return 0;
        long total = (long)plan.Inputs.Count * sweep.Methods.Count * sweep.Attacks.Count * sweep.Epsilons.Count;
        int code = RunShards(console, pr, workers, "the attack grid", drop, total, "audit", cancellation, extra);
        if (code != 0) return code;
        var merged = SweepMerge.Run([directory], directory);
        console.Say($"{workers} workers done; merged their {merged.Cells} cells. Now the checks and the score card.");
        return 0;
    }

    /// <summary>Deletes a sweep's files in <paramref name="directory"/>, a single run's and every shard's (--overwrite).</summary>
    public static void ClearSweep(string directory) => SweepFiles.Delete(directory, withShards: true);

    private static List<int> ShardCounts(string directory) =>
        Directory.EnumerateFiles(directory).Select(f => ShardFiles.ParseRunFile(Path.GetFileName(f))).OfType<SweepShard>()
            .Select(s => s.Count).Distinct().Order().ToList();

    /// <summary>The tokens the user gave the command (the command's name first), less the options in
    /// <paramref name="drop"/> and their values: the arguments of a worker, which gets its own --shard, --jobs and --threads.</summary>
    public static List<string> WorkerArguments(ParseResult pr, params IEnumerable<Option> drop)
    {
        ArgumentNullException.ThrowIfNull(pr);
        var names = drop.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        var kept = new List<string>();
        bool skipping = false;
        foreach (var token in pr.Tokens)
        {
            if (token.Type == TokenType.Option) skipping = names.Contains(token.Value);
            else if (token.Type != TokenType.Argument) skipping = false;
            if (!skipping) kept.Add(token.Value);
        }
        return kept;
    }

    /// <summary>How a worker is started: the apphost when this process is it, else <c>dotnet Fragility.Cli.dll</c>
    /// (also when the CLI runs inside another host, such as the test runner).</summary>
    private static ProcessStartInfo StartInfo(IReadOnlyList<string> arguments, string command)
    {
        string dll = typeof(CliApp).Assembly.Location;
        string? self = Environment.ProcessPath;
        ProcessStartInfo info;
        if (dll.Length == 0 || (self is not null && Path.GetFileNameWithoutExtension(self) == Path.GetFileNameWithoutExtension(dll)))
            info = new ProcessStartInfo(self ?? throw new FragilityException("--jobs cannot find this program's path: use --jobs 1."));
        else
        {
            string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h
                : self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : RuntimeHost() ?? "dotnet";
            info = new ProcessStartInfo(host);
            info.ArgumentList.Add(dll);
        }
        foreach (string a in arguments) info.ArgumentList.Add(a);
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        info.UseShellExecute = false;
        info.Environment[WorkerProgress.Variable] = "1";
        info.Environment[WorkerProgress.CommandVariable] = command;
        // One thread each: N single-threaded processes use N cores without libtorch's per-operation overhead.
        info.Environment["OMP_NUM_THREADS"] = "1";
        return info;
    }

    /// <summary>The dotnet host of the running runtime (DOTNET_ROOT/dotnet, three folders above the runtime's
    /// shared/Microsoft.NETCore.App/VERSION), for a CLI started through a tool shim; null when it is not there.</summary>
    private static string? RuntimeHost()
    {
        string runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        var root = Directory.GetParent(Path.TrimEndingDirectorySeparator(runtime))?.Parent?.Parent;
        string? host = root is null ? null : Path.Combine(root.FullName, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return host is not null && File.Exists(host) ? host : null;
    }

    private static string StripPrefix(string line) =>
        line.StartsWith("error: ", StringComparison.Ordinal) ? line["error: ".Length..] : line;

    private static void StopAll(IEnumerable<Process> processes)
    {
        foreach (var p in processes)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
            catch (InvalidOperationException) { }   // never started, or already gone
        }
    }
}
