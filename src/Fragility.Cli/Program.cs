using System.CommandLine;
using Fragility.Cli.Infrastructure;

// The CLI is a thin shell: each command in Commands/ parses options, calls one library entry point and renders.
var root = new RootCommand(
    "fragility: explain image classifiers and stress-test the explanations (Ghorbani, Abid, Zou, " +
    "\"Interpretation of Neural Networks is Fragile\", AAAI 2019). Epsilons and step sizes are always in pixel " +
    "units of the 0-255 scale. Start with 'fragility demo'.");
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command.Build());
return CliRunner.Invoke(root, args);
