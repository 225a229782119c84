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

    /// <summary>Parses and invokes <paramref name="root"/>.</summary>
    public static int Invoke(Command root, string[] args)
    {
        var parse = root.Parse(args);
        return parse.Invoke();
    }

    /// <summary>Runs a command body, turning exceptions into one-line messages on standard error.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (FragilityException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message} Check the path and its permissions.");
            return UserError;
        }
        catch (ExternalException e)
        {
            // libtorch errors surface here; the first line is the useful part.
            Console.Error.WriteLine($"error: the tensor library failed: {FirstLine(e.Message)}");
            if (Debug) Console.Error.WriteLine(e);
            return InternalError;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error: {e.GetType().Name}: {FirstLine(e.Message)} (set FRAGILITY_DEBUG=1 for details; please report it)");
            if (Debug) Console.Error.WriteLine(e);
            return InternalError;
        }
    }

    private static bool Debug => Environment.GetEnvironmentVariable("FRAGILITY_DEBUG") == "1";

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
