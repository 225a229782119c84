using System.CommandLine;

namespace Fragility.Cli.Infrastructure;

/// <summary>The command line as the user typed it, for provenance in run files.</summary>
internal static class CliCommandLine
{
    /// <summary>"fragility" and the parsed tokens (quoted when they hold a space): right however the command was
    /// started (dotnet run, the tool, a test in-process), unlike the process arguments.
    /// A worker of --jobs records its parent's command line, the one the user typed.</summary>
    public static string Of(ParseResult pr) =>
        WorkerProgress.InWorker && Environment.GetEnvironmentVariable(WorkerProgress.CommandVariable) is { Length: > 0 } parent ? parent :
        "fragility " + string.Join(' ', pr.Tokens.Select(t => t.Value.Contains(' ') ? $"\"{t.Value}\"" : t.Value));
}
