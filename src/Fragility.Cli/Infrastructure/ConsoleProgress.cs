using System.Diagnostics;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Infrastructure;

/// <summary>
/// Renders <see cref="ProgressUpdate"/>s: a Spectre.Console progress bar (percentage, rate, time left) on an
/// interactive terminal, and a plain line every few seconds when output is redirected (logs, CI, cluster jobs).
/// </summary>
public static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/>, rendering the progress it reports.</summary>
    public static T Run<T>(string title, Func<IProgress<ProgressUpdate>, T> work)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            T result = default!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RateColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    var sink = new SynchronousProgress(u =>
                    {
                        if (!tasks.TryGetValue(u.Task, out var t))
                            tasks[u.Task] = t = ctx.AddTask(Markup.Escape(u.Task), maxValue: Math.Max(1, u.Total));
                        t.MaxValue = Math.Max(1, u.Total);
                        t.Value = u.Done;
                        t.Description = Markup.Escape(u.Status is null ? u.Task : $"{u.Task}  {u.Status}");
                    });
                    result = work(sink);
                });
            return result;
        }
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.FromSeconds(-10);
        var plain = new SynchronousProgress(u =>
        {
            bool finished = u.Done >= u.Total;
            if (!finished && clock.Elapsed - last < TimeSpan.FromSeconds(5)) return;
            last = clock.Elapsed;
            // Units resumed from an interrupted run took no time here: counting them would read as thousands of units
            // per second and a far too short time left.
            double rate = (u.Done - u.Resumed) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            string left = rate > 0 ? TimeSpan.FromSeconds((u.Total - u.Done) / rate).ToString(@"hh\:mm\:ss") : "?";
            Console.WriteLine($"[{title}] {u.Task}: {u.Done}/{u.Total} ({100.0 * u.Done / Math.Max(1, u.Total):F0}%), {rate:G3}/s, {left} left{(u.Status is null ? "" : "  " + u.Status)}");
        });
        return work(plain);
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool, which reorders updates).</summary>
    private sealed class SynchronousProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    private sealed class RateColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double? speed = task.Speed;
            return new Text(speed is null ? "   -/s" : $"{speed:G3}/s", new Style(Color.Grey));
        }
    }
}
