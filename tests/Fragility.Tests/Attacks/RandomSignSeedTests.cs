using Fragility.Attacks;
using Fragility.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attacks;

public class RandomSignSeedTests : OneTorchThread
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomDraws_DependOnTheImageIndex_NotOnBatchOrPosition(bool walk)
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(3, seed: 31);
        using var all = images;
        var method = new SimpleGradient();
        var settings = new AttackSettings { Epsilon = 4, Step = 1, Iterations = 4, Seed = 9 };
        var attack = new RandomSignPerturbation(model, method, settings, walk);

        using var cleanA = CleanReference.Compute(model, method, all);
        using var a = attack.Run(cleanA, [100, 101, 102]);
        using var reordered = torch.stack([all[2], all[0]]);
        using var cleanB = CleanReference.Compute(model, method, reordered);
        using var b = attack.Run(cleanB, [102, 100]);

        Assert.True(a.Perturbed[2].eq(b.Perturbed[0]).all().item<bool>());
        Assert.True(a.Perturbed[0].eq(b.Perturbed[1]).all().item<bool>());
        Assert.Equal(a.Outcomes[2], b.Outcomes[0]);
        Assert.Equal(a.Outcomes[0], b.Outcomes[1]);

        // A different image index, seed or epsilon gives a different draw.
        using var c = attack.Run(cleanB, [103, 100]);
        Assert.False(c.Perturbed[0].eq(b.Perturbed[0]).all().item<bool>());
        using var d = new RandomSignPerturbation(model, method, settings with { Seed = 10 }, walk).Run(cleanB, [102, 100]);
        Assert.False(d.Perturbed[0].eq(b.Perturbed[0]).all().item<bool>());
    }

    [Fact]
    public void SingleDraw_IsExactlyEpsilonTimesASign_WhereTheRangeAllows()
    {
        using var model = AttackTestModels.Trained();
        var method = new SimpleGradient();
        using var x0 = torch.full(2, 1, AttackTestModels.Size, AttackTestModels.Size, 0.5f);
        using var clean = CleanReference.Compute(model, method, x0);
        using var result = new RandomSignPerturbation(model, method, new AttackSettings { Epsilon = 2 }).Run(clean);
        Assert.All(result.Outcomes, o => Assert.False(o.Failed));
        using var delta = (result.Perturbed - x0).mul(255).abs();
        Assert.True((delta - 2).abs().max().item<float>() < 1e-4);
        // Signs are about half positive (a fair coin over 200 pixels).
        using var positive = (result.Perturbed - x0).gt(0).sum();
        long count = positive.item<long>();
        Assert.InRange(count, 70, 130);
    }

    [Fact]
    public void Seeds_AreAFixedFunctionOfTheirInputs()
    {
        int s = AttackSeeds.For(0, 5, "gradient", "random", 8);
        Assert.Equal(s, AttackSeeds.For(0, 5, "gradient", "random", 8.0));
        Assert.NotEqual(s, AttackSeeds.For(0, 5, "gradient", "random", 0.5));
        Assert.NotEqual(s, AttackSeeds.For(0, 5, "ig", "random", 8));
        Assert.NotEqual(s, AttackSeeds.For(0, 6, "gradient", "random", 8));
        Assert.NotEqual(s, AttackSeeds.For(1, 5, "gradient", "random", 8));
        Assert.True(s >= 0);
    }

    [Fact]
    public void TheDraw_IsTheRecordedOne()
    {
        // A golden value: results and resumes of every documented sweep depend on this draw never changing.
        // The seed is SHA-256 of "0|7|gradient|random|8" (checked with Python's hashlib), the signs those of
        // MathNet's Mersenne Twister normal samples from it, as recorded when this test was written.
        Assert.Equal(1846346444, AttackSeeds.For(0, 7, "gradient", "random", 8));
        Assert.Equal(940015746, AttackSeeds.For(3, 12, "ig", "random_walk", 0.5));
        using var model = AttackTestModels.Trained();
        var method = new SimpleGradient();
        using var x = torch.full(1, 1, AttackTestModels.Size, AttackTestModels.Size, 0.5f);
        using var clean = CleanReference.Compute(model, method, x);
        using var result = new RandomSignPerturbation(model, method, new AttackSettings { Epsilon = 8, Seed = 0 }).Run(clean, [7]);
        var signs = (result.Perturbed - x).flatten().data<float>().Take(16).Select(v => Math.Sign(v)).ToArray();
        Assert.Equal(new[] { -1, -1, 1, -1, -1, 1, 1, 1, 1, 1, 1, -1, -1, 1, 1, 1 }, signs);
    }
}
