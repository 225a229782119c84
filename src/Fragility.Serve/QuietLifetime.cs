using Microsoft.Extensions.Hosting;

namespace Fragility.Serve;

/// <summary>A host lifetime that leaves the process's signals alone: the default one would take Ctrl+C and SIGTERM
/// for itself and stop the server behind the caller's back (the CLI decides when to stop; tests share the process).</summary>
internal sealed class QuietLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
