namespace Fragility.Cli.Infrastructure;

/// <summary>Ctrl+C for long commands: the first press cancels the run so it stops after the current step and keeps
/// what is finished; a second press ends the process at once.</summary>
internal static class CliCancellation
{
    /// <summary>Exit code of a run stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>Runs <paramref name="body"/> with a token that Ctrl+C cancels; a cancelled run says on the error stream
    /// that <paramref name="kept"/> and what to do next (<paramref name="then"/>: by default that the same command
    /// resumes), and exits with <see cref="Interrupted"/>.</summary>
    public static int Run(CliConsole console, string kept, Func<CancellationToken, int> body, string then = "run the same command again to resume")
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(body);
        using var source = new CancellationTokenSource();
        using var _ = OnCtrlC(source);
        try
        {
            return body(source.Token);
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            console.Fail($"interrupted: {kept}; {then}.");
            return Interrupted;
        }
    }

    /// <summary>Hooks Ctrl+C to <paramref name="source"/> until the returned object is disposed.</summary>
    public static IDisposable OnCtrlC(CancellationTokenSource source)
    {
        ConsoleCancelEventHandler handler = (_, e) =>
        {
            e.Cancel = !source.IsCancellationRequested;
            source.Cancel();
        };
        Console.CancelKeyPress += handler;
        return new Unhook(handler);
    }

    private sealed class Unhook(ConsoleCancelEventHandler handler) : IDisposable
    {
        public void Dispose() => Console.CancelKeyPress -= handler;
    }
}
