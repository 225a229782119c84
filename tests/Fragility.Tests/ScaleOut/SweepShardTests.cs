using Fragility.Experiments.Sharding;

namespace Fragility.Tests.ScaleOut;

/// <summary>Shards split a sweep's batches into contiguous, disjoint, covering ranges; "I/N" parses 1-based.</summary>
public sealed class SweepShardTests
{
    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("2/8", 2, 8)]
    [InlineData(" 8 / 8 ", 8, 8)]
    public void Parse_ReadsOneBasedIndexAndCount(string text, int index, int count)
    {
        var shard = SweepShard.Parse(text);
        Assert.Equal((index, count), (shard.Index, shard.Count));
        Assert.Equal($"shard-{index}-of-{count}", shard.Tag);
    }

    [Theory]
    [InlineData("0/8")]
    [InlineData("9/8")]
    [InlineData("1/0")]
    [InlineData("2")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    [InlineData("-1/2")]
    public void Parse_RefusesWhatIsNotAShard(string text)
    {
        var e = Assert.Throws<FragilityException>(() => SweepShard.Parse(text));
        Assert.Contains("--shard", e.Message);
    }

    [Fact]
    public void Batches_SevenBatchesInThreeShards_AreTwoTwoThree()
    {
        // floor(0*7/3)=0, floor(7/3)=2, floor(14/3)=4, floor(21/3)=7.
        Assert.Equal((0, 2), new SweepShard(1, 3).Batches(7));
        Assert.Equal((2, 2), new SweepShard(2, 3).Batches(7));
        Assert.Equal((4, 3), new SweepShard(3, 3).Batches(7));
    }

    [Fact]
    public void Batches_OfAllShards_CoverEveryBatchOnce_AndDifferByAtMostOne()
    {
        for (int batches = 0; batches <= 40; batches++)
            for (int count = 1; count <= 12; count++)
            {
                var owner = new int[batches];
                var sizes = new List<int>();
                for (int i = 1; i <= count; i++)
                {
                    var (first, n) = new SweepShard(i, count).Batches(batches);
                    sizes.Add(n);
                    for (int b = first; b < first + n; b++) owner[b]++;
                }
                Assert.All(owner, o => Assert.Equal(1, o));
                Assert.True(sizes.Max() - sizes.Min() <= 1, $"{batches} batches in {count} shards: sizes {string.Join(",", sizes)}");
            }
    }

    [Fact]
    public void Positions_FollowWholeBatches_IncludingAShortLastBatch()
    {
        // 6 images in batches of 2 over 3 shards: one batch each.
        Assert.Equal((0, 2), new SweepShard(1, 3).Positions(6, 2));
        Assert.Equal((2, 2), new SweepShard(2, 3).Positions(6, 2));
        Assert.Equal((4, 2), new SweepShard(3, 3).Positions(6, 2));
        // 5 images in batches of 2 are batches {0,1},{2,3},{4}; two shards own batch 0, and batches 1-2.
        Assert.Equal((0, 2), new SweepShard(1, 2).Positions(5, 2));
        Assert.Equal((2, 3), new SweepShard(2, 2).Positions(5, 2));
        // More shards than batches: the extra shards own nothing.
        Assert.Equal((0, 0), new SweepShard(1, 4).Positions(3, 2));
        Assert.Equal((0, 2), new SweepShard(2, 4).Positions(3, 2));
        Assert.Equal(0, new SweepShard(3, 4).Positions(3, 2).Count);
        Assert.Equal((2, 1), new SweepShard(4, 4).Positions(3, 2));
    }
}
