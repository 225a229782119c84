using Fragility.Audit;

namespace Fragility.Tests.Audit;

/// <summary>The budget chooser on cost models standing in for a fake timer: whatever the measured costs, the plan it
/// returns fits the budget, uses the paper's iterations when they fit, and refuses a budget too small for one image.</summary>
public sealed class AuditBudgetTests
{
    private static readonly AuditSettings Defaults = new();

    [Fact]
    public void StaysWithinItsBudgetOnManyCostModels()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 2000; trial++)
        {
            var cost = new AuditCost(rng.NextDouble() * 5, Math.Pow(10, -4 + 4 * rng.NextDouble()), rng.NextDouble() * 20);
            double budget = 30 + rng.NextDouble() * 3600;
            int available = 1 + rng.Next(400);
            AuditChoice choice;
            try { choice = AuditBudget.Choose(cost, budget, available, Defaults); }
            catch (FragilityException)
            {
                // Refused only when not even one image fits at the fewest iterations.
                Assert.True(cost.Seconds(1, Defaults.MinIterations) > budget);
                continue;
            }
            Assert.True(choice.EstimatedSeconds <= budget + 1e-9, $"trial {trial}: {choice} over {budget}");
            Assert.InRange(choice.Images, 1, Math.Min(available, Defaults.MaxImages));
            Assert.Contains(choice.Iterations, AuditBudget.Ladder);
            Assert.Equal(cost.Seconds(choice.Images, choice.Iterations), choice.EstimatedSeconds, 9);
            // Not wasteful: one more image would not fit, unless every usable image (or the cap) is taken.
            if (choice.Images < Math.Min(available, Defaults.MaxImages))
                Assert.True(cost.Seconds(choice.Images + 1, choice.Iterations) > budget);
        }
    }

    [Fact]
    public void KeepsThePapersIterationsWhileEnoughImagesFit()
    {
        var cost = new AuditCost(FixedPerImage: 1, PerIterationPerImage: 0.01, Overhead: 10);   // 4 s per image at 300
        var choice = AuditBudget.Choose(cost, budgetSeconds: 10 + 4 * 50, available: 500, Defaults);
        Assert.Equal((50, 300), (choice.Images, choice.Iterations));
    }

    [Fact]
    public void LowersIterationsBeforeDroppingBelowTwentyImages()
    {
        var cost = new AuditCost(0, 0.01, 0);   // 3 s per image at 300 iterations, 1 s at 100
        var choice = AuditBudget.Choose(cost, budgetSeconds: 25, available: 500, Defaults);
        Assert.True(choice.Images >= AuditBudget.MinimumImages);
        Assert.Equal(100, choice.Iterations);   // 200 iterations allow only 12 images, 150 only 16
    }

    [Fact]
    public void HonoursGivenImagesOrIterations()
    {
        var cost = new AuditCost(0.5, 0.01, 5);
        var images = AuditBudget.Choose(cost, 100, 500, Defaults with { Images = 40 });
        Assert.Equal(40, images.Images);
        Assert.True(images.EstimatedSeconds <= 100);
        var iterations = AuditBudget.Choose(cost, 100, 500, Defaults with { Iterations = 50 });
        Assert.Equal(50, iterations.Iterations);
        Assert.Equal(cost.ImagesWithin(100, 50), iterations.Images);
        var both = AuditBudget.Choose(cost, 1, 500, Defaults with { Images = 3, Iterations = 7 });
        Assert.Equal((3, 7), (both.Images, both.Iterations));
    }

    [Fact]
    public void RefusesABudgetTooSmallForOneImage()
    {
        var cost = new AuditCost(2, 1, 5);   // one image at 10 iterations: 17 s
        var e = Assert.Throws<FragilityException>(() => AuditBudget.Choose(cost, 16, 100, Defaults));
        Assert.Contains("too small", e.Message);
        Assert.Contains("--budget", e.Message);
        Assert.Throws<FragilityException>(() => AuditBudget.Choose(cost, 100, 5, Defaults with { Images = 6 }));
        Assert.Throws<FragilityException>(() => AuditBudget.Choose(cost, 100, 0, Defaults));
    }

    [Theory]
    [InlineData(0.71, Verdict.Robust)]
    [InlineData(0.7, Verdict.Robust)]
    [InlineData(0.69, Verdict.Fragile)]
    [InlineData(0.4, Verdict.Fragile)]
    [InlineData(0.39, Verdict.VeryFragile)]
    [InlineData(double.NaN, Verdict.VeryFragile)]
    public void VerdictsFollowTheDocumentedThresholds(double t, Verdict expected) => Assert.Equal(expected, VerdictThresholds.Default.Of(t));

    [Fact]
    public void GatesParse()
    {
        Assert.Equal((Verdict.Fragile, (double?)null), VerdictThresholds.ParseGate("fragile"));
        Assert.Equal((Verdict.VeryFragile, (double?)null), VerdictThresholds.ParseGate("very-fragile"));
        Assert.Equal(((Verdict?)null, 0.6), VerdictThresholds.ParseGate("0.6"));
        Assert.Throws<FragilityException>(() => VerdictThresholds.ParseGate("1.5"));
        Assert.Throws<FragilityException>(() => VerdictThresholds.ParseGate("bad"));
    }
}
