using System.CommandLine;
using Fragility.Cli.Infrastructure;

namespace Fragility.Tests.Cli;

[Collection("console")]
public class HelpTests
{
    [Fact]
    public void EveryOptionOfEveryCommand_HasADescription()
    {
        var root = CliApp.BuildRoot();
        Assert.NotEmpty(root.Subcommands);
        foreach (var command in root.Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"command {command.Name} has no description");
            foreach (var option in command.Options.Where(o => o.Name is not ("--help" or "-h" or "-?" or "--version")))
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{command.Name} {option.Name} has no description");
        }
    }

    [Fact]
    public void TrainHelp_ShowsDefaults()
    {
        var (code, output, _) = CliHarness.Run("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--epochs", output);
        Assert.Contains("default: 5", output);
        Assert.Contains("small-cnn", output);
    }
}
