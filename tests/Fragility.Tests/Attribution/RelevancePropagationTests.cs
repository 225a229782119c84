using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using Fragility.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

public class RelevancePropagationTests(ITestOutputHelper output)
{
    [Fact]
    public void DeepTaylor_RelevanceSumsToTheClassScore_OnAReluNetworkWithoutBiases()
    {
        using var model = TestModels.HeInit(TestModels.ReluCnn(1), 1);
        TestModels.ZeroBiases(model);
        using var x = TestModels.Inputs(6, 41);
        using var target = TestModels.Predicted(model, x);
        using var relevance = new DeepTaylor().Attribute(model, x, target);
        using var score = Gradients.ClassScore(model, x, target);
        var sums = relevance.flatten(1).sum(1).data<double>().ToArray();
        var scores = score.data<double>().ToArray();
        output.WriteLine($"relevance sums {string.Join(" ", sums.Select(v => v.ToString("F6")))}; scores {string.Join(" ", scores.Select(v => v.ToString("F6")))}");
        for (int i = 0; i < sums.Length; i++)
        {
            Assert.True(Math.Abs(scores[i]) > 0.1);
            Assert.True(Math.Abs(sums[i] - scores[i]) < 1e-6 * Math.Abs(scores[i]), $"input {i}: relevance {sums[i]}, score {scores[i]}");
        }
    }

    [Fact]
    public void DeepTaylor_ConservesRelevance_ThroughTheFireModulesOfABiasFreeSqueezeNet()
    {
        torch.manual_seed(6);
        using var model = ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SqueezeNet11,
            Preprocessing = new Preprocessing { Channels = 3, Height = 32, Width = 32, Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225] },
            ClassNames = ["a", "b", "c"],
        });
        model.to(ScalarType.Float64);
        TestModels.HeInit(model, 6);
        TestModels.ZeroBiases(model);
        using var x = TestModels.Inputs(2, 42, channels: 3, size: 32);
        using var target = TestModels.Predicted(model, x);
        using var relevance = new DeepTaylor().Attribute(model, x, target);
        using var score = Gradients.ClassScore(model, x, target);
        var sums = relevance.flatten(1).sum(1).data<double>().ToArray();
        var scores = score.data<double>().ToArray();
        for (int i = 0; i < sums.Length; i++)
        {
            Assert.True(scores[i] > 1e-3);
            Assert.True(Math.Abs(sums[i] - scores[i]) < 1e-6 * scores[i], $"input {i}: relevance {sums[i]}, score {scores[i]}");
        }
    }

    [Fact]
    public void ZPlus_ConservesRelevance_WhenLayerInputsHaveBothSigns()
    {
        // No activation between the layers: the linear layer sees signed inputs (z+ then pairs W+ with a+ and W- with a-).
        using var model = TestModels.HeInit(TestModels.LinearCnn(7), 7);
        TestModels.ZeroBiases(model);
        using var x = TestModels.Inputs(3, 44);
        using var target = TestModels.Predicted(model, x);
        using var relevance = new DeepTaylor().Attribute(model, x, target);
        using var score = Gradients.ClassScore(model, x, target);
        var sums = relevance.flatten(1).sum(1).data<double>().ToArray();
        var scores = score.data<double>().ToArray();
        for (int i = 0; i < sums.Length; i++)
            Assert.True(Math.Abs(sums[i] - scores[i]) < 1e-6 * Math.Abs(scores[i]) && Math.Abs(scores[i]) > 1e-2, $"input {i}: relevance {sums[i]}, score {scores[i]}");
    }

    [Fact]
    public void ZPlusAndZBox_MatchHandComputedRelevance_OnATwoLayerNetwork()
    {
        // x (2 pixels) -> W1 (2x2) -> ReLU -> W2 (1x2) -> score; first layer zB with box [0, 1], second z+.
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(2, 2, hasBias: false)), ("2", new SwitchableActivation()), ("3", nn.Linear(2, 2, hasBias: false)));
        using var model = TestModels.Wrap(net, 1, 1, 2, 2, mean: 0.0, std: 1.0);
        using (torch.no_grad())
        {
            var p = model.Network.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
            p["1.weight"].copy_(torch.tensor(new[,] { { 1.0, -0.5 }, { 0.5, 2.0 } }));
            p["3.weight"].copy_(torch.tensor(new[,] { { 1.0, -1.0 }, { 0.0, 1.0 } }));
        }
        using var x = torch.tensor(new[] { 0.8, 0.4 }, dtype: ScalarType.Float64).reshape(1, 1, 1, 2);
        using var target = torch.tensor(new long[] { 0 });
        using var r = new DeepTaylor().Attribute(model, x, target);
        // Hidden: h = relu(W1 x) = (0.6, 1.2); score = 0.6 - 1.2 = -0.6.
        // z+ at the output: only h1 has a positive weight: R_h = (-0.6, 0).
        // zB at the first layer for hidden 1 (weights 1, -0.5): z = 1*0.8 - 0.5*0.4 - (1*0) - (-0.5*1) = 1.1;
        // R_x = R_h1 * (x*w - l*w+ - h*w-) / z = -0.6 * (0.8, -0.2 + 0.5) / 1.1.
        double[] expected = [-0.6 * 0.8 / 1.1, -0.6 * 0.3 / 1.1];
        var got = r.flatten().data<double>().ToArray();
        // Up to the 1e-9 stabilisers of the denominators.
        Assert.Equal(expected[0], got[0], 8);
        Assert.Equal(expected[1], got[1], 8);
    }

    [Fact]
    public void Epsilon_WithTinyEpsilonAndNoBiases_EqualsGradientTimesNormalisedInput()
    {
        // Ancona et al. 2018: epsilon-LRP with epsilon -> 0 is gradient x input on ReLU networks (bias-free here,
        // and "input" is the normalised input the first layer sees, since the normalisation passes relevance).
        using var model = TestModels.HeInit(TestModels.ReluCnn(3), 3);
        TestModels.ZeroBiases(model);
        using var x = TestModels.Inputs(2, 43);
        using var target = TestModels.Predicted(model, x);
        using var lrp = new LrpEpsilon(1e-12).Attribute(model, x, target);
        using var g = new SimpleGradient().Attribute(model, x, target);
        using var z = model.Normalisation.forward(x);
        using var expected = g * 0.35 * z; // d score / d z = std * d score / d x
        Assert.True(lrp.allclose(expected, 1e-6, 1e-9));
        Assert.Equal("lrp_epsilon", new LrpEpsilon().Name);
        Assert.Equal(0.25, LrpEpsilon.DefaultEpsilon);
    }
}
