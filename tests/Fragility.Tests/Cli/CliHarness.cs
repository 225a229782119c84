using Fragility.Cli.Infrastructure;

namespace Fragility.Tests.Cli;

/// <summary>Runs the CLI in-process, capturing its output and error. Commands write through the invocation's writers;
/// the process-wide console is redirected too, for what commands not yet given their console still write, so tests
/// using it are in one xunit collection and never run in parallel.</summary>
public static class CliHarness
{
    private static readonly object Gate = new();

    /// <summary>Exit code, standard output and standard error of <c>fragility args</c>.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out; var oldErr = Console.Error;
            var o = new StringWriter(); var e = new StringWriter();
            Console.SetOut(o); Console.SetError(e);
            try { return (CliApp.Run(args, o, e), o.ToString(), e.ToString()); }
            finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        }
    }
}

/// <summary>Serialises tests that redirect the console.</summary>
[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection;
