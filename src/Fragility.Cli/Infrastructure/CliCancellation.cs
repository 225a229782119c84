namespace Fragility.Cli.Infrastructure;

/// <summary>Ctrl+C for long commands: the first press cancels <paramref name="source"/> so the run stops after the
/// current step and keeps what is finished; a second press ends the process at once.</summary>
internal static class CliCancellation
{
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
