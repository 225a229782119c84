using System.CommandLine;
using Fragility.Experiments.Sharding;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options of a command that writes a resumable run folder: --out, --overwrite (when the run can start
/// over), --shard and --jobs, --threads and --device; defined once for <c>sweep</c>, <c>audit</c>, <c>defend</c> and
/// <c>influence-attack</c>.</summary>
/// <param name="defaultOut">The default --out folder.</param>
/// <param name="overwrite">What --overwrite deletes, or null for a command without it.</param>
/// <param name="unit">What a shard is a part of (<see cref="ScaleOutCliOptions"/>).</param>
/// <param name="then">What to do once every shard is done.</param>
internal sealed class RunFolderCliOptions(string defaultOut, string? overwrite, string unit, string then)
{
    /// <summary>--out DIR.</summary>
    public Option<string> Out { get; } = CommonOptions.Out(defaultOut);

    /// <summary>--overwrite, or null.</summary>
    public Option<bool>? Overwrite { get; } = overwrite is null ? null : CommonOptions.Overwrite(overwrite);

    /// <summary>--shard and --jobs.</summary>
    public ScaleOutCliOptions ScaleOut { get; } = new(unit, then);

    /// <summary>--threads and --device.</summary>
    public RuntimeCliOptions Runtime { get; } = new();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Out);
        if (Overwrite is not null) command.Options.Add(Overwrite);
        ScaleOut.AddTo(command);
        Runtime.AddTo(command);
    }

    /// <summary>The folder.</summary>
    public string Folder(ParseResult pr) => pr.GetValue(Out)!;

    /// <summary>Whether --overwrite was given.</summary>
    public bool Overwriting(ParseResult pr) => Overwrite is not null && pr.GetValue(Overwrite);

    /// <summary>This run's shard and worker count; sets up libtorch (<see cref="ScaleOutCliOptions.Resolve"/>).</summary>
    public (SweepShard? Part, int Jobs) Resolve(ParseResult pr) => ScaleOut.Resolve(pr, Runtime);

    /// <summary>The options a worker does not get from its parent: its own --shard, --jobs and --threads, and no --overwrite.</summary>
    public IReadOnlyList<Option> NotForWorkers(params Option[] more) =>
        ScaleOut.NotForWorkers(Runtime, [.. Overwrite is null ? [] : new Option[] { Overwrite }, .. more]);
}
