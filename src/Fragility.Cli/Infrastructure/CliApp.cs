using System.CommandLine;
using System.CommandLine.Help;

namespace Fragility.Cli.Infrastructure;

/// <summary>Builds the <c>fragility</c> root command (shared by Program and the tests).</summary>
public static class CliApp
{
    /// <summary>The root command with every subcommand.</summary>
    public static Command BuildRoot()
    {
        // A RootCommand takes its name from the program file (Fragility.Cli.dll); help must say "fragility".
        var root = new Command("fragility",
            "fragility: explain image classifiers and stress-test the explanations (Ghorbani, Abid, Zou, " +
            "\"Interpretation of Neural Networks is Fragile\", AAAI 2019). Epsilons and step sizes are always in pixel " +
            "units of the 0-255 scale. Start with 'fragility demo'.");
        root.Options.Add(new HelpOption { Recursive = true });
        root.Options.Add(new VersionOption());
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command.Build());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/> on the standard streams; returns the exit code.</summary>
    public static int Run(string[] args) => CliRunner.Invoke(BuildRoot(), args);

    /// <summary>Parses and runs <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/>
    /// (what a test or an embedding program reads back); returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        CliRunner.Invoke(BuildRoot(), args, new InvocationConfiguration { Output = output, Error = error });
}
