using System.Globalization;
using System.Text.RegularExpressions;

namespace Fragility.Experiments.Sharding;

/// <summary>
/// The files one shard writes into a sweep folder, beside those of the other shards (so all shards can share one
/// folder on a cluster file system): <c>run.shard-I-of-N.json</c>, the sweep's run.json with a "shard" object
/// added (its fingerprint is the whole sweep's), and <c>results.shard-I-of-N.jsonl</c>, its result lines. Arrays go
/// to the shared arrays/ folder, whose file names are per image, so shards never write the same file.
/// </summary>
public static partial class ShardFiles
{
    /// <summary>Key of the shard object inside a shard's run file.</summary>
    public const string ShardKey = "shard";

    /// <summary>run.shard-{I}-of-{N}.json.</summary>
    public static string RunFile(SweepShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return $"run.{shard.Tag}.json";
    }

    /// <summary>results.shard-{I}-of-{N}.jsonl.</summary>
    public static string ResultsFile(SweepShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return $"results.{shard.Tag}.jsonl";
    }

    /// <summary>The shard a file name of <see cref="RunFile"/>'s form names, or null for any other name.</summary>
    public static SweepShard? ParseRunFile(string fileName)
    {
        var m = RunFilePattern().Match(fileName);
        if (!m.Success) return null;
        int index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), count = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return index >= 1 && index <= count ? new SweepShard(index, count) : null;
    }

    [GeneratedRegex(@"^run\.shard-([0-9]{1,9})-of-([0-9]{1,9})\.json$")]
    private static partial Regex RunFilePattern();
}
