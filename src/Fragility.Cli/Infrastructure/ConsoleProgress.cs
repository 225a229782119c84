using System.Diagnostics;
using System.Globalization;
using Fragility.Runtime;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fragility.Cli.Infrastructure;

/// <summary>
/// Renders <see cref="ProgressUpdate"/>s: a Spectre.Console progress bar (label of the running step, percentage,
/// rate, elapsed, time left) on an interactive terminal, and a plain line every few seconds when output is redirected
/// (logs, CI, cluster jobs). Rate and time left come from <see cref="ProgressEstimator"/>; both fit 80 columns.
/// </summary>
public static class ConsoleProgress
{
    /// <summary>The width progress output and tables keep to when the terminal's is unknown (redirected output).</summary>
    public const int DefaultWidth = 80;

    /// <summary>Seconds between plain lines while nothing finishes.</summary>
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="work"/>, rendering the progress it reports on <paramref name="console"/>.</summary>
    public static T Run<T>(CliConsole console, string title, Func<IProgress<ProgressUpdate>, T> work)
    {
        ArgumentNullException.ThrowIfNull(console);
        // A worker of --jobs hands every update to its parent, which renders the workers' progress as one bar.
        if (WorkerProgress.InWorker)
            return work(new SynchronousProgress(u => console.Error.WriteLine(WorkerProgress.Format(u))));
        var stopwatch = Stopwatch.StartNew();
        if (console.Terminal)
            return RunInteractive(console.Out, work, () => stopwatch.Elapsed);
        return RunPlain(title, work, console.Out.Profile.Out.Writer, () => stopwatch.Elapsed, DefaultWidth);
    }

    /// <summary>The redirected-output renderer: a line (wrapped at words to <paramref name="width"/>) when a task
    /// starts, finishes, or every few seconds in between, timed by <paramref name="clock"/>.</summary>
    public static T RunPlain<T>(string title, Func<IProgress<ProgressUpdate>, T> work, TextWriter output, Func<TimeSpan> clock, int width = DefaultWidth)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(output);
        var estimators = new Dictionary<string, ProgressEstimator>();
        var last = new Dictionary<string, TimeSpan>();
        var plain = new SynchronousProgress(u =>
        {
            if (!estimators.TryGetValue(u.Task, out var e)) estimators[u.Task] = e = new ProgressEstimator(clock);
            e.Observe(u);
            var now = clock();
            bool finished = u.Done >= u.Total;
            if (!finished && last.TryGetValue(u.Task, out var printed) && now - printed < PlainInterval) return;
            last[u.Task] = now;
            foreach (string line in Wrap(PlainLine(title, e), width, "    ")) output.WriteLine(line);
        });
        return work(plain);
    }

    /// <summary>One progress line: "[title] task: done/total (p%), rate, elapsed, time left; running step".</summary>
    public static string PlainLine(string title, ProgressEstimator estimator)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        var u = estimator.Last ?? throw new ArgumentException("No update observed yet.", nameof(estimator));
        string status = u.Status is null ? "" : (u.Done >= u.Total ? "; last: " : "; running: ") + u.Status;
        return $"[{title}] {u.Task}: {u.Done}/{u.Total} ({Percent(u)}), {Rate(estimator.Rate)}, {Time(estimator.Elapsed)} elapsed, "
            + $"{Left(estimator.Left)} left{status}";
    }

    /// <summary>Units per second, or seconds per unit when slower than one a second; "-/s" before the first unit.</summary>
    public static string Rate(double? rate) => rate switch
    {
        null => "-/s",
        >= 1 => rate.Value.ToString(rate.Value >= 100 ? "F0" : "0.##", CultureInfo.InvariantCulture) + "/s",
        _ => (1 / rate.Value).ToString(1 / rate.Value >= 100 ? "F0" : "0.#", CultureInfo.InvariantCulture) + " s/unit",
    };

    /// <summary>hh:mm:ss, with hours past 24 kept (TimeSpan's own format wraps them into days).</summary>
    public static string Time(TimeSpan t) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}");

    private static string Left(TimeSpan? left) => left is null ? "?" : Time(left.Value);

    private static string Percent(ProgressUpdate u) =>
        (100.0 * u.Done / Math.Max(1, u.Total)).ToString("F0", CultureInfo.InvariantCulture) + "%";

    /// <summary>Splits <paramref name="text"/> into lines of at most <paramref name="width"/> characters at spaces
    /// (continuation lines start with <paramref name="indent"/>); a single word longer than a line stays whole.</summary>
    public static IReadOnlyList<string> Wrap(string text, int width, string indent = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        bool empty = true;
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear().Append(indent);
                empty = true;
            }
            if (!empty) line.Append(' ');
            line.Append(word);
            empty = false;
        }
        if (line.Length > 0) lines.Add(line.ToString());
        return lines;
    }

    /// <summary>The first words of <paramref name="text"/> that fit <paramref name="width"/>, with "…" when some
    /// were left off (a word is never cut).</summary>
    public static string Shorten(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= width) return text;
        // The longest run of whole words (trailing punctuation dropped) that leaves room for the ellipsis.
        for (int cut = text.LastIndexOf(' ', Math.Min(text.Length - 1, width)); cut > 0; cut = text.LastIndexOf(' ', cut - 1))
        {
            string head = text[..cut].TrimEnd(',', ';', ':', ' ');
            if (head.Length > 0 && head.Length + 1 <= width) return head + "…";
        }
        return "…";
    }

    private static T RunInteractive<T>(IAnsiConsole console, Func<IProgress<ProgressUpdate>, T> work, Func<TimeSpan> clock)
    {
        T result = default!;
        var estimators = new System.Collections.Concurrent.ConcurrentDictionary<int, ProgressEstimator>();
        // The label takes what the fixed-width columns leave of the terminal's width.
        int labelWidth = Math.Max(12, console.Profile.Width - BarWidth - 4 - RateWidth - 8 - LeftWidth - 6);
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new LabelColumn(labelWidth), new ProgressBarColumn { Width = BarWidth }, new PercentageColumn(),
                new EstimateColumn(estimators, e => Rate(e.Rate), RateWidth),
                new EstimateColumn(estimators, e => Time(e.Elapsed), 8),
                new EstimateColumn(estimators, e => Left(e.Left) + " left", LeftWidth))
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var sink = new SynchronousProgress(u =>
                {
                    if (!tasks.TryGetValue(u.Task, out var t))
                    {
                        tasks[u.Task] = t = ctx.AddTask(Markup.Escape(u.Task), maxValue: Math.Max(1, u.Total));
                        estimators[t.Id] = new ProgressEstimator(clock);
                    }
                    estimators[t.Id].Observe(u);
                    t.MaxValue = Math.Max(1, u.Total);
                    t.Value = u.Done;
                    t.Description = Shorten(u.Status is null ? u.Task : $"{u.Task}: {u.Status}", labelWidth);
                });
                result = work(sink);
            });
        return result;
    }

    private const int BarWidth = 10;
    private const int RateWidth = 10;
    private const int LeftWidth = 13;

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool, which reorders updates).</summary>
    private sealed class SynchronousProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    /// <summary>The running step's label, already shortened at a word to the column's width.</summary>
    private sealed class LabelColumn(int width) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Description) { Overflow = Overflow.Ellipsis }.LeftJustified();

        public override int? GetColumnWidth(RenderOptions options) => width;
    }

    /// <summary>A value of the task's <see cref="ProgressEstimator"/> (rate, elapsed, time left), re-read at each refresh
    /// so the time left counts down while a step runs.</summary>
    private sealed class EstimateColumn(System.Collections.Concurrent.ConcurrentDictionary<int, ProgressEstimator> estimators, Func<ProgressEstimator, string> value, int width) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(estimators.TryGetValue(task.Id, out var e) ? value(e) : "", new Style(Color.Grey)).RightJustified();

        public override int? GetColumnWidth(RenderOptions options) => width;
    }
}
