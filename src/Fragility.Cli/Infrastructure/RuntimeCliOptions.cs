using System.CommandLine;
using Fragility.Runtime;

namespace Fragility.Cli.Infrastructure;

/// <summary>Where the tensor work runs (--threads, --device), defined once for every command that computes.</summary>
internal sealed class RuntimeCliOptions
{
    /// <summary>--threads N.</summary>
    public Option<int> Threads { get; } = CommonOptions.Threads();

    /// <summary>--device cpu|cuda|cuda:N.</summary>
    public Option<string> Device { get; } = CommonOptions.Device();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Threads);
        command.Options.Add(Device);
    }

    /// <summary>Sets libtorch's threads and device as the options say.</summary>
    public void Initialize(ParseResult pr) => TorchRuntime.Initialize(pr.GetValue(Threads), pr.GetValue(Device));
}
