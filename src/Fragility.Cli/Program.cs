using Fragility.Cli.Infrastructure;

// The CLI is a thin shell: each command in Commands/ parses options, calls one library entry point and renders.
return CliApp.Run(args);
