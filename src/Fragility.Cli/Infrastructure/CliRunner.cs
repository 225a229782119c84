using System.CommandLine;
using System.Runtime.InteropServices;

namespace Fragility.Cli.Infrastructure;

/// <summary>Runs commands so that bad input ends in one clear line and an exit code, never a stack trace.</summary>
public static class CliRunner
{
    /// <summary>Exit code for a user error (bad option, missing file...).</summary>
    public const int UserError = 2;

    /// <summary>Exit code for an unexpected internal error.</summary>
    public const int InternalError = 3;

    /// <summary>Parses and invokes <paramref name="root"/>, writing to <paramref name="configuration"/>'s streams
    /// (standard output and error by default).</summary>
    public static int Invoke(Command root, string[] args, InvocationConfiguration? configuration = null)
    {
        configuration ??= new InvocationConfiguration();
        var parse = root.Parse(args);
        // A bare "fragility" shows the help; any other parse error is one line and exit 2, not the help and
        // "did you mean" lists (the README's promise for bad input).
        if (parse.Errors.Count > 0 && args.Length > 0)
        {
            var path = new List<string>();
            for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult) path.Insert(0, r.Command.Name);
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            string message = System.Text.RegularExpressions.Regex.Replace(error.Message, @"\s*\n\s*", " ").Trim().TrimEnd('.');
            configuration.Error.WriteLine($"error: {message}. See '{string.Join(' ', path)} --help'.");
            return UserError;
        }
        return parse.Invoke(configuration);
    }

    /// <summary>Runs a command's body with the invocation's console, turning exceptions into one-line messages on its
    /// error stream.</summary>
    public static int Run(ParseResult pr, Func<CliConsole, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var console = CliConsole.Of(pr);
        return Run(console.Error, () => body(console));
    }

    private static int Run(TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (FragilityException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message} Check the path and its permissions.");
            return UserError;
        }
        catch (ExternalException e)
        {
            // libtorch errors surface here; the first line is the useful part.
            error.WriteLine($"error: the tensor library failed: {FirstLine(e.Message)}");
            if (Debug) error.WriteLine(e);
            return InternalError;
        }
        catch (Exception e)
        {
            error.WriteLine($"internal error: {e.GetType().Name}: {FirstLine(e.Message)} (set FRAGILITY_DEBUG=1 for details; please report it)");
            if (Debug) error.WriteLine(e);
            return InternalError;
        }
    }

    private static bool Debug => Environment.GetEnvironmentVariable("FRAGILITY_DEBUG") == "1";

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
