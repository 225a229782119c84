using System.CommandLine;

namespace Fragility.Cli.Infrastructure;

/// <summary>One subcommand of <c>fragility</c>. Implementations are found by reflection, so adding a command is adding a file.</summary>
public interface ICliCommand
{
    /// <summary>Position in the help listing (smaller first).</summary>
    int Order { get; }

    /// <summary>Builds the command with its options and action.</summary>
    Command Build();
}
