using System.CommandLine;
using Fragility.Serve;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options of <c>serve</c>, bound to <see cref="ServeOptions"/>.</summary>
internal sealed class ServeCliOptions
{
    private static readonly ServeOptions Defaults = new();

    public Option<string?> Model { get; } = CommonOptions.Model();
    public Option<string?> Models { get; } = new("--models") { Description = "A folder of model files (.safetensors) the page offers too, by file name; no other file is ever opened." };
    public Option<int> Port { get; } = new Option<int>("--port") { Description = "TCP port.", DefaultValueFactory = _ => Defaults.Port }.Between(1, 65535);
    public Option<string> Host { get; } = new("--host")
    {
        Description = $"IP address to listen on; the default, {ServeOptions.Loopback}, is this machine only. Anything else lets other machines reach the page: it has no login.",
        DefaultValueFactory = _ => ServeOptions.Loopback,
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Model, Models, Port, Host }) command.Options.Add(o);
    }

    /// <summary>The server's settings as the options say.</summary>
    public ServeOptions Bind(ParseResult pr) => new()
    {
        ModelPath = pr.GetValue(Model), ModelsDirectory = pr.GetValue(Models), Port = pr.GetValue(Port), Host = pr.GetValue(Host)!,
    };
}
