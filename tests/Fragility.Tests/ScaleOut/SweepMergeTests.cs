using System.Globalization;
using System.Text.Json.Nodes;
using Fragility.Experiments.Sharding;

namespace Fragility.Tests.ScaleOut;

/// <summary>
/// <see cref="SweepMerge"/> on hand-made shard folders (5 images in batches of 2, so shards 1/2 and 2/2 own images
/// {10, 11} and {12, 13, 14}; 1 method x 2 attacks x 1 epsilon): the merged lines come out in a single run's order,
/// and every way shards can fail to be one complete sweep is refused with a message that names it.
/// </summary>
public sealed class SweepMergeTests : IDisposable
{
    private static readonly int[] Images = [10, 11, 12, 13, 14];
    private static readonly string[] Attacks = ["random", "topk"];
    private readonly string _root = Directory.CreateTempSubdirectory("fragility-merge-").FullName;

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static string Line(int image, string attack, double topk = 0.5) =>
        $"{{\"image\":{image},\"item\":\"test:{image}\",\"label\":1,\"method\":\"gradient\",\"attack\":\"{attack}\",\"epsilon\":8,\"k\":4," +
        $"\"topk_intersection\":{topk.ToString(CultureInfo.InvariantCulture)},\"spearman\":0.5,\"kendall\":0.4,\"center_shift\":1,\"label_after\":1," +
        "\"label_kept\":true,\"confidence_before\":0.9,\"confidence_after\":0.8,\"linf\":8,\"failed\":false,\"seconds\":0.1}";

    /// <summary>Writes shard <paramref name="index"/> of <paramref name="count"/> into <paramref name="folder"/> with all
    /// its lines, in the order a shard writes them (attack, then image within each batch).</summary>
    private static void WriteShard(string folder, int index, int count, string fingerprint = "f00d", int batchSize = 2, int k = 4)
    {
        var shard = new SweepShard(index, count);
        var (start, owned) = shard.Positions(Images.Length, batchSize);
        var manifest = new JsonObject
        {
            ["command"] = $"fragility sweep --shard {index}/{count}", ["architecture"] = "small-cnn", ["dataset"] = "sample",
            ["images"] = Images.Length, ["methods"] = new JsonArray("gradient"), ["attacks"] = new JsonArray("random", "topk"),
            ["epsilons"] = new JsonArray(8.0), ["k"] = k, ["batch_size"] = batchSize,
            ["image_indices"] = new JsonArray(Images.Select(i => (JsonNode)i).ToArray()), ["fingerprint"] = fingerprint,
            [ShardFiles.ShardKey] = new JsonObject { ["index"] = index, ["count"] = count, ["first_position"] = start, ["images"] = owned },
        };
        File.WriteAllText(Path.Combine(folder, ShardFiles.RunFile(shard)), manifest.ToJsonString());
        var lines = new List<string>();
        for (int b = start; b < start + owned; b += batchSize)
            foreach (string attack in Attacks)
                for (int p = b; p < Math.Min(b + batchSize, start + owned); p++)
                    lines.Add(Line(Images[p], attack));
        File.WriteAllText(Path.Combine(folder, ShardFiles.ResultsFile(shard)), string.Concat(lines.Select(l => l + "\n")));
    }

    private static string Message(Action merge) => Assert.Throws<FragilityException>(merge).Message;

    [Fact]
    public void CompleteShards_InTwoFolders_MergeInSingleRunOrder()
    {
        string a = Folder("a"), b = Folder("b"), output = Path.Combine(_root, "out");
        WriteShard(b, 2, 2);
        WriteShard(a, 1, 2);
        Directory.CreateDirectory(Path.Combine(b, "arrays"));
        File.WriteAllBytes(Path.Combine(b, "arrays", "x_12.npy"), [1, 2, 3]);

        var outcome = SweepMerge.Run([b, a], output);

        Assert.Equal((2, 10, 1, "f00d"), (outcome.Shards, outcome.Cells, outcome.ArraysCopied, outcome.Fingerprint));
        // Batches {10,11}, {12,13}, {14}; within each: random then topk, images in order.
        var expected = new[]
        {
            Line(10, "random"), Line(11, "random"), Line(10, "topk"), Line(11, "topk"),
            Line(12, "random"), Line(13, "random"), Line(12, "topk"), Line(13, "topk"),
            Line(14, "random"), Line(14, "topk"),
        };
        Assert.Equal(expected, File.ReadAllLines(Path.Combine(output, "results.jsonl")));
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "run.json")))!.AsObject();
        Assert.Equal("f00d", run["fingerprint"]!.GetValue<string>());
        Assert.False(run.ContainsKey(ShardFiles.ShardKey));
        var summary = File.ReadAllLines(Path.Combine(output, "summary.csv"));
        Assert.Equal(3, summary.Length);   // header + gradient/random/8 + gradient/topk/8
        Assert.StartsWith("gradient,random,8,5,0.5,0,", summary[1]);
        Assert.True(File.Exists(Path.Combine(output, "figure.png")));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(output, "arrays", "x_12.npy")));
    }

    [Fact]
    public void MergeInPlace_TwiceGivesTheSameFiles()
    {
        string dir = Folder("shared");
        WriteShard(dir, 1, 2);
        WriteShard(dir, 2, 2);
        SweepMerge.Run([dir], dir);
        string first = File.ReadAllText(Path.Combine(dir, "results.jsonl"));
        var again = SweepMerge.Run([dir, dir], dir);
        Assert.Equal(0, again.ArraysCopied);
        Assert.Equal(first, File.ReadAllText(Path.Combine(dir, "results.jsonl")));
    }

    [Fact]
    public void MissingShard_IsNamed()
    {
        string dir = Folder("d");
        WriteShard(dir, 1, 3);
        WriteShard(dir, 3, 3);
        string m = Message(() => SweepMerge.Run([dir], dir));
        Assert.Contains("Missing 1 of 3 shards: 2", m);
        Assert.Contains("--shard 2/3", m);
    }

    [Fact]
    public void SameShardInTwoFolders_IsRefused()
    {
        string a = Folder("a"), b = Folder("b");
        WriteShard(a, 1, 2);
        WriteShard(a, 2, 2);
        WriteShard(b, 2, 2);
        string m = Message(() => SweepMerge.Run([a, b], Path.Combine(_root, "out")));
        Assert.Contains("Shard 2 of 2 is there twice", m);
        Assert.Contains(Path.Combine(b, "run.shard-2-of-2.json"), m);
    }

    [Fact]
    public void ShardsOfAnotherSweep_AreRefused_NamingTheSettingThatDiffers()
    {
        string a = Folder("a"), b = Folder("b");
        WriteShard(a, 1, 2);
        WriteShard(b, 2, 2, fingerprint: "beef", k: 9);
        string m = Message(() => SweepMerge.Run([a, b], Path.Combine(_root, "out")));
        Assert.Contains("shards of different sweeps", m);
        Assert.Contains("settings differ in k", m);
    }

    [Fact]
    public void OtherSplitOrBatchSize_AreRefused()
    {
        string a = Folder("a");
        WriteShard(a, 1, 2);
        WriteShard(a, 2, 3);
        Assert.Contains("same N", Message(() => SweepMerge.Run([a], a)));
        string b = Folder("b");
        WriteShard(b, 1, 2);
        WriteShard(b, 2, 2, batchSize: 1);
        Assert.Contains("--batch-size", Message(() => SweepMerge.Run([b], b)));
    }

    [Fact]
    public void UnfinishedShard_NamesItsFirstMissingCell_AndAKilledLastLineCountsAsMissing()
    {
        string dir = Folder("d");
        WriteShard(dir, 1, 2);
        WriteShard(dir, 2, 2);
        string results = Path.Combine(dir, "results.shard-2-of-2.jsonl");
        var lines = File.ReadAllLines(results);
        // Keep 4 whole lines and half of the 5th, as a kill mid-write leaves them.
        File.WriteAllText(results, string.Concat(lines.Take(4).Select(l => l + "\n")) + lines[4][..20]);
        string m = Message(() => SweepMerge.Run([dir], dir));
        Assert.Contains("shard 2/2", m);
        Assert.Contains("lacks 2 of 6 cells, first image 14, gradient, random, eps 8", m);
        Assert.Contains("Run those shards again", m);
    }

    [Fact]
    public void DuplicatedCell_IsRefused()
    {
        string dir = Folder("d");
        WriteShard(dir, 1, 2);
        WriteShard(dir, 2, 2);
        File.AppendAllText(Path.Combine(dir, "results.shard-1-of-2.jsonl"), Line(11, "topk", 0.25) + "\n");
        Assert.Contains("Cell image 11, gradient, topk, eps 8 is there twice", Message(() => SweepMerge.Run([dir], dir)));
    }

    [Fact]
    public void CellOfAnotherShardsImage_IsRefused()
    {
        string dir = Folder("d");
        WriteShard(dir, 1, 2);
        WriteShard(dir, 2, 2);
        File.AppendAllText(Path.Combine(dir, "results.shard-1-of-2.jsonl"), Line(14, "topk") + "\n");
        Assert.Contains("image 14, which shard 1/2 does not own", Message(() => SweepMerge.Run([dir], dir)));
    }

    [Fact]
    public void CellOutsideTheGrid_IsRefused()
    {
        string dir = Folder("d");
        WriteShard(dir, 1, 2);
        WriteShard(dir, 2, 2);
        File.AppendAllText(Path.Combine(dir, "results.shard-1-of-2.jsonl"), Line(10, "mass_center") + "\n");
        Assert.Contains("is not a cell of this sweep", Message(() => SweepMerge.Run([dir], dir)));
    }

    [Fact]
    public void FolderWithoutShards_OrMissing_IsExplained()
    {
        string single = Folder("single");
        File.WriteAllText(Path.Combine(single, "run.json"), "{}");
        Assert.Contains("single run", Message(() => SweepMerge.Run([single], single)));
        Assert.Contains("no shard of a sweep", Message(() => SweepMerge.Run([Folder("empty")], single)));
        Assert.Contains("does not exist", Message(() => SweepMerge.Run([Path.Combine(_root, "nope")], single)));
    }

    [Fact]
    public void OutputHoldingAnotherSweep_IsRefused()
    {
        string dir = Folder("d"), output = Folder("out");
        WriteShard(dir, 1, 1);
        File.WriteAllText(Path.Combine(output, "run.json"), "{\"fingerprint\":\"cafe\"}");
        Assert.Contains("already holds another sweep", Message(() => SweepMerge.Run([dir], output)));
    }

    [Fact]
    public void RenamedShardFile_IsRefused()
    {
        string dir = Folder("d");
        WriteShard(dir, 1, 2);
        File.Move(Path.Combine(dir, "run.shard-1-of-2.json"), Path.Combine(dir, "run.shard-2-of-2.json"));
        Assert.Contains("does not describe shard 2/2", Message(() => SweepMerge.Run([dir], dir)));
    }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(_root, recursive: true);
}
