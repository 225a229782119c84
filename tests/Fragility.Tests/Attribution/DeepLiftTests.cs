using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using Fragility.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

public class DeepLiftTests(ITestOutputHelper output)
{
    [Fact]
    public void Completeness_HoldsWithin1e4Relative_OnAReluCnnWithTwoMaxPoolsAndBiases()
    {
        using var model = TestModels.HeInit(TestModels.ReluCnn(1), 1);
        using var x = TestModels.Inputs(8, 31);
        using var target = TestModels.Predicted(model, x);
        using var reference = TestModels.RandomMeanReference(32);
        var (attribution, error) = new DeepLift(reference).AttributeWithCompleteness(model, x, target);
        using var _ = attribution;
        output.WriteLine($"worst relative completeness error {error.MaxRelative:E2}; score differences {string.Join(" ", error.ScoreDifference.Select(d => d.ToString("F3")))}");
        Assert.All(error.ScoreDifference, d => Assert.True(Math.Abs(d) > 0.1));
        Assert.True(error.MaxRelative < 1e-4, $"relative completeness error {error.MaxRelative}");

        // The same in float32, the precision models run in.
        model.to(ScalarType.Float32);
        using var x32 = x.to(ScalarType.Float32);
        using var reference32 = new MeanImageReference(reference.Mean.to(ScalarType.Float32));
        var (attribution32, error32) = new DeepLift(reference32).AttributeWithCompleteness(model, x32, target);
        using var __ = attribution32;
        output.WriteLine($"float32: worst relative completeness error {error32.MaxRelative:E2}");
        Assert.True(error32.MaxRelative < 1e-4, $"float32 relative completeness error {error32.MaxRelative}");
    }

    [Fact]
    public void GradientMaxPoolRouting_BreaksCompleteness_WhereTheDefaultKeepsIt()
    {
        using var model = TestModels.HeInit(TestModels.ReluCnn(2), 2);
        using var x = TestModels.Inputs(8, 33);
        using var target = TestModels.Predicted(model, x);
        using var reference = TestModels.RandomMeanReference(34);
        var gradmax = new DeepLift(reference, MaxPoolMode.Gradient);
        Assert.Equal("deeplift_gradmax", gradmax.Name);
        using var a = gradmax.Attribute(model, x, target);
        var error = gradmax.CompletenessError(model, x, target, a);
        var (b, kept) = new DeepLift(reference).AttributeWithCompleteness(model, x, target);
        using var _ = b;
        output.WriteLine($"gradient routing worst relative error {error.MaxRelative:P2}, completeness-keeping {kept.MaxRelative:E2}");
        Assert.True(error.MaxRelative > 1e-2, $"gradient routing should miss completeness on some input, worst {error.MaxRelative}");
        Assert.True(kept.MaxRelative < 1e-4);
    }

    [Fact]
    public void OnAPurelyLinearModel_DeepLiftEqualsGradientTimesDifference()
    {
        using var model = TestModels.LinearCnn(3);
        using var x = TestModels.Inputs(3, 35);
        using var target = TestModels.Predicted(model, x);
        using var reference = TestModels.RandomMeanReference(36);
        using var deeplift = new DeepLift(reference).Attribute(model, x, target);
        using var g = new SimpleGradient().Attribute(model, x, target);
        using var r = reference.For(x);
        Assert.True(deeplift.allclose(g * (x - r), 1e-12, 1e-12));
    }

    [Fact]
    public void WhenTheReferenceEqualsTheInput_DeepLiftFallsBackToTheGradient()
    {
        // Every |z - z_ref| is zero, so each multiplier is the derivative: the multipliers are the gradient.
        using var model = TestModels.HeInit(TestModels.ReluCnn(4), 4);
        using var x = TestModels.Inputs(2, 37);
        using var target = TestModels.Predicted(model, x);
        using var walked = PropagationWalker.Propagate(model.Layers, x, x, Composite.DeepLiftRescale(),
            (y, _) => nn.functional.one_hot(target, y.shape[1]).to(y.dtype)).InputSignal;
        using var g = new SimpleGradient().Attribute(model, x, target);
        Assert.True(walked.allclose(g, 1e-12, 1e-12));
    }

    [Fact]
    public void Completeness_HoldsOnATinySqueezeNet_ThroughTheFireModulesConcatenations()
    {
        torch.manual_seed(5);
        using var model = ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SqueezeNet11,
            Preprocessing = new Preprocessing { Channels = 3, Height = 32, Width = 32, Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225] },
            ClassNames = ["a", "b", "c", "d"],
        });
        model.to(ScalarType.Float64);
        TestModels.HeInit(model, 5);
        Assert.Contains(model.Layers, node => node is ConcatNode);
        using var x = TestModels.Inputs(2, 38, channels: 3, size: 32);
        using var target = TestModels.Predicted(model, x);
        using var mean = torch.tensor(new[] { 0.5, 0.4, 0.3 }, dtype: ScalarType.Float64).reshape(3, 1, 1);
        using var reference = new MeanImageReference(mean);
        var (a, error) = new DeepLift(reference).AttributeWithCompleteness(model, x, target);
        using var _ = a;
        output.WriteLine($"squeezenet: worst relative completeness error {error.MaxRelative:E2}, score differences {string.Join(" ", error.ScoreDifference.Select(d => d.ToString("E2")))}");
        Assert.All(error.ScoreDifference, d => Assert.True(Math.Abs(d) > 1e-3));
        Assert.True(error.MaxRelative < 1e-4);
    }

    [Fact]
    public void Completeness_HoldsThroughBatchNormInEvaluationMode()
    {
        torch.manual_seed(9);
        var bn = nn.BatchNorm2d(4);
        var net = nn.Sequential(("0", nn.Conv2d(1, 4, 3, padding: 1)), ("1", bn), ("2", new SwitchableActivation()), ("3", nn.MaxPool2d(2)),
            ("4", nn.Flatten()), ("5", nn.Linear(4 * 6 * 6, 3)));
        using var model = TestModels.Wrap(net, 1, 12, 12, 3);
        TestModels.HeInit(model, 9);
        using (torch.no_grad())
        {
            bn.running_mean!.copy_(torch.randn(4, dtype: ScalarType.Float64) * 0.3);
            bn.running_var!.copy_(torch.rand(4, dtype: ScalarType.Float64) + 0.5);
        }
        using var x = TestModels.Inputs(4, 40);
        using var target = TestModels.Predicted(model, x);
        using var reference = TestModels.RandomMeanReference(41);
        var (a, error) = new DeepLift(reference).AttributeWithCompleteness(model, x, target);
        using var _ = a;
        Assert.All(error.ScoreDifference, d => Assert.True(Math.Abs(d) > 1e-2));
        Assert.True(error.MaxRelative < 1e-10, $"relative completeness error {error.MaxRelative}");
    }

    [Fact]
    public void UnsupportedLayer_IsAClearError()
    {
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(144, 5)), ("2", nn.Tanh()), ("3", nn.Linear(5, 2)));
        using var model = TestModels.Wrap(net, 1, 12, 12, 2);
        using var x = TestModels.Inputs(1, 39);
        using var target = torch.tensor(new long[] { 1 });
        var e = Assert.Throws<FragilityException>(() => new DeepLift().Attribute(model, x, target));
        Assert.Contains("'2'", e.Message);
        Assert.Contains("Tanh", e.Message);
    }
}
