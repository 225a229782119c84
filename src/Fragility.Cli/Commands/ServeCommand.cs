using System.CommandLine;
using System.Runtime.InteropServices;
using Fragility.Cli.Infrastructure;
using Fragility.Runtime;
using Fragility.Serve;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility serve</c>: a local web page to explain your own image and attack its maps while watching
/// (<see cref="FragilityServer"/>); it runs until Ctrl+C.</summary>
public sealed class ServeCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 20;

    /// <inheritdoc />
    public Command Build()
    {
        var options = new ServeCliOptions();
        var threads = CommonOptions.Threads();
        var cmd = new Command("serve",
            "Start a local web page: drop an image (or pick one of the sample), see the prediction and the map of every method side by side, " +
            "then attack a method's map with an epsilon of your choice and watch each iterate's map, top-k intersection, Spearman correlation and label; " +
            "download the perturbed image (PNG and exact .npy) and the maps. Uploads up to 10 MB and 16 megapixels; runs until Ctrl+C.")
        {
            threads,
        };
        options.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads));
            var settings = options.Bind(pr);
            if (settings.Host != ServeOptions.Loopback)
                console.Line($"warning: listening on {settings.Host}: other machines can reach this page, which has no login. Leave --host out to keep it to this machine.");
            using var stop = new CancellationTokenSource();
            // Ctrl+C and SIGTERM (a service manager, a container) both stop the server cleanly, deleting its temporary folder.
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            var server = FragilityServer.StartAsync(settings).GetAwaiter().GetResult();
            try
            {
                console.Markup($"Serving on [green]{Markup.Escape(server.Address.ToString())}[/]: open it in a browser. Ctrl+C stops.");
                stop.Token.WaitHandle.WaitOne();
                console.Line("Stopping.");
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return 0;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        }));
        return cmd;
    }
}
