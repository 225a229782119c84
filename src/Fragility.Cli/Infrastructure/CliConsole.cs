using System.CommandLine;
using System.Runtime.CompilerServices;
using Spectre.Console;

namespace Fragility.Cli.Infrastructure;

/// <summary>
/// Where a command writes: the invocation's output and error writers (<see cref="InvocationConfiguration"/>), which are
/// the process's standard streams unless a caller (a test, an embedding program) gives others. Commands write only
/// through it, so every command's output can be read back without redirecting the process-wide console.
/// </summary>
public sealed class CliConsole
{
    /// <summary>Table and wrapping width when the output is not a terminal (logs, CI, tests): tables need more than
    /// Spectre's default of 80 columns.</summary>
    public const int RedirectedWidth = 140;

    private static readonly ConditionalWeakTable<ParseResult, CliConsole> Consoles = new();

    private CliConsole(IAnsiConsole output, TextWriter error, bool terminal)
    {
        Out = output;
        Error = error;
        Terminal = terminal;
    }

    /// <summary>Rich output: markup, tables, progress bars.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>The error stream: one-line errors and, in a worker of --jobs, progress for the parent.</summary>
    public TextWriter Error { get; }

    /// <summary>True when the output is an interactive terminal (live progress bars); false for logs, pipes and tests,
    /// which get plain progress lines.</summary>
    public bool Terminal { get; }

    /// <summary>The console of the invocation <paramref name="pr"/> belongs to (one per invocation).</summary>
    public static CliConsole Of(ParseResult pr)
    {
        ArgumentNullException.ThrowIfNull(pr);
        return Consoles.GetValue(pr, static p => Create(p.InvocationConfiguration.Output, p.InvocationConfiguration.Error));
    }

    /// <summary>A console over <paramref name="output"/> and <paramref name="error"/>; the process's own streams give
    /// Spectre's terminal console.</summary>
    public static CliConsole Create(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        // Spectre's own console is bound to the terminal it found at start; anything else (a log, a pipe, a test's
        // writer) gets a plain console of its own.
        if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
            return new CliConsole(AnsiConsole.Console, error, terminal: true);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = RedirectedWidth;
        return new CliConsole(console, error, terminal: false);
    }

    /// <summary>Width for tables: the terminal's, or <see cref="ConsoleProgress.DefaultWidth"/> when redirected.</summary>
    public int TableWidth => Terminal ? Out.Profile.Width : ConsoleProgress.DefaultWidth;

    /// <summary>Writes <paramref name="text"/> as it is (no markup): through Spectre on a terminal, so a line told
    /// while a progress bar is live lands above it, and unwrapped to logs and pipes.</summary>
    public void Line(string text = "")
    {
        if (Terminal) Out.WriteLine(text);
        else Out.Profile.Out.Writer.WriteLine(text);
    }

    /// <summary>Writes Spectre markup (callers escape what they did not write).</summary>
    public void Markup(string markup) => Out.MarkupLine(markup);

    /// <summary>Writes <paramref name="text"/> wrapped at words to 80 columns (terminals and logs alike).</summary>
    public void Say(string text)
    {
        foreach (string line in ConsoleProgress.Wrap(text, ConsoleProgress.DefaultWidth, "  ")) Line(line);
    }

    /// <summary>"note: ..." lines, one per note.</summary>
    public void Notes(IEnumerable<string> notes)
    {
        ArgumentNullException.ThrowIfNull(notes);
        foreach (string note in notes) Line($"note: {note.TrimEnd('.')}.");
    }

    /// <summary>One line on the error stream.</summary>
    public void Fail(string text) => Error.WriteLine(text);
}
