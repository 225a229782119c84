using Fragility.Attribution;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Metrics;

public class FaithfulnessTests : OneTorchThread
{
    /// <summary>A 2x2 grey "image" model with logits [w . x, 0]: p(class 0) = sigmoid(w . x).</summary>
    private static Classifier Logistic(double[] w)
    {
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(4, 2)));
        var model = TestModels.Wrap(net, 1, 2, 2, 2, mean: 0.0, std: 1.0);
        using var noGrad = torch.no_grad();
        var layer = (TorchSharp.Modules.Linear)net.children().Last();
        layer.weight!.copy_(torch.tensor(w.Concat(new double[4]).ToArray(), [2, 4], dtype: ScalarType.Float64));
        layer.bias!.zero_();
        return model;
    }

    [Fact]
    public void DeletionAndInsertionAuc_MatchAHandComputedCase()
    {
        // w = [ln 3, ln 3, 0, 0] on an all-ones image; the map ranks pixels 0, 1, 2, 3. Deletion to black: the logit goes
        // 2 ln 3, ln 3, 0, 0, 0, so p = 9/10, 3/4, 1/2, 1/2, 1/2 and the trapezoid area over 4 equal steps is
        // 0.25 (0.825 + 0.625 + 0.5 + 0.5) = 0.6125. Insertion from black: p = 1/2, 3/4, 9/10, 9/10, 9/10, area
        // 0.25 (0.625 + 0.825 + 0.9 + 0.9) = 0.8125.
        using var model = Logistic([Math.Log(3), Math.Log(3), 0, 0]);
        using var x = torch.ones([1, 1, 2, 2], dtype: ScalarType.Float64);
        using var map = torch.tensor(new double[] { 0.4, 0.3, 0.2, 0.1 }, [1, 2, 2], dtype: ScalarType.Float64);
        var deletion = DeletionInsertion.Curve(model, x, map, [0L], ZeroReference.Instance, 4, insertion: false);
        double[] expected = [0.9, 0.75, 0.5, 0.5, 0.5];
        for (int t = 0; t < 5; t++) Assert.Equal(expected[t], deletion[0, t], 12);
        var (del, ins) = DeletionInsertion.Auc(model, x, map, [0L], ZeroReference.Instance, ZeroReference.Instance, steps: 4);
        Assert.Equal(0.6125, del[0], 12);
        Assert.Equal(0.8125, ins[0], 12);

        // The reversed ranking (3, 2, 1, 0) removes the useless pixels first: deletion gives p = 9/10, 9/10, 9/10, 3/4, 1/2
        // and insertion p = 1/2, 1/2, 1/2, 3/4, 9/10; the faithful ranking must score better on both.
        using var reversed = torch.tensor(new double[] { 0.1, 0.2, 0.3, 0.4 }, [1, 2, 2], dtype: ScalarType.Float64);
        var (delR, insR) = DeletionInsertion.Auc(model, x, reversed, [0L], ZeroReference.Instance, ZeroReference.Instance, steps: 4);
        Assert.Equal(0.25 * (0.9 + 0.9 + 0.825 + 0.625), delR[0], 12);
        Assert.Equal(0.25 * (0.5 + 0.5 + 0.625 + 0.825), insR[0], 12);
        Assert.True(del[0] < delR[0] && ins[0] > insR[0]);
    }

    [Fact]
    public void Steps_ThatDoNotDivideThePixels_RoundTheCountsAndTheFractions()
    {
        // 4 pixels in 3 steps: counts round(0), round(4/3) = 1, round(8/3) = 3, 4; the area uses the same fractions.
        using var model = Logistic([Math.Log(3), Math.Log(3), 0, 0]);
        using var x = torch.ones([1, 1, 2, 2], dtype: ScalarType.Float64);
        using var map = torch.tensor(new double[] { 0.4, 0.3, 0.2, 0.1 }, [1, 2, 2], dtype: ScalarType.Float64);
        var curve = DeletionInsertion.Curve(model, x, map, [0L], ZeroReference.Instance, 3, insertion: false);
        double[] expected = [0.9, 0.75, 0.5, 0.5];
        for (int t = 0; t < 4; t++) Assert.Equal(expected[t], curve[0, t], 12);
        double area = DeletionInsertion.Area(curve, 4)[0];
        Assert.Equal(0.25 * (0.9 + 0.75) / 2 + 0.5 * (0.75 + 0.5) / 2 + 0.25 * 0.5, area, 12);
    }

    [Fact]
    public void Ties_AreRankedByLowerIndexFirst()
    {
        using var model = Logistic([0, 0, 0, Math.Log(3)]);
        using var x = torch.ones([1, 1, 2, 2], dtype: ScalarType.Float64);
        using var flat = torch.full([1, 2, 2], 0.25, dtype: ScalarType.Float64);
        // A constant map deletes pixels 0, 1, 2, 3 in that order: pixel 3 (the only useful one) goes last.
        var curve = DeletionInsertion.Curve(model, x, flat, [0L], ZeroReference.Instance, 4, insertion: false);
        Assert.Equal([0.75, 0.75, 0.75, 0.75, 0.5], Enumerable.Range(0, 5).Select(t => Math.Round(curve[0, t], 12)).ToArray());
    }

    /// <summary>A "method" that ignores the model: the input itself (an edge detector would behave alike).</summary>
    private sealed class InputAsMap : IAttributionMethod
    {
        public string Name => "input";
        public bool NeedsSmoothTwinForAttack => false;
        public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false) => input.detach().clone();
    }

    [Fact]
    public void RandomisationCheck_FlagsAMapThatIgnoresTheModel_AndPassesTheGradient()
    {
        using var model = AttackTestModels.Trained();
        using var randomised = AttackTestModels.Trained();
        ParameterRandomisation.Randomise(randomised, seed: 3);
        var (images, labels) = AttackTestModels.Blobs(6, seed: 9);
        using var x = images;
        using var y = torch.tensor(labels);
        // Every parameter changed, with the trained tensor's own scale.
        foreach (var (a, b) in model.parameters().Zip(randomised.parameters()))
        {
            Assert.False(a.allclose(b));
            if (a.numel() > 20)
            {
                double sa = a.std().item<float>(), sb = b.std().item<float>();
                Assert.InRange(sb / sa, 0.7, 1.3);
            }
        }
        Tensor Maps(IAttributionMethod m, Classifier c) => SaliencyMaps.FromAttribution(m.Attribute(c, x, y));
        using var inputTrained = Maps(new InputAsMap(), model);
        using var inputRandom = Maps(new InputAsMap(), randomised);
        Assert.All(ParameterRandomisation.Similarity(inputTrained, inputRandom), s => Assert.Equal(1.0, s, 9));
        using var gradTrained = Maps(new SimpleGradient(), model);
        using var gradRandom = Maps(new SimpleGradient(), randomised);
        double mean = ParameterRandomisation.Similarity(gradTrained, gradRandom).Average();
        Assert.True(mean < 0.6, $"the gradient map of a randomised model should differ, mean Spearman {mean}");
    }
}
