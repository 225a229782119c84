using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using Fragility.Tests.Attribution;
using Fragility.Tests.Import;
using TorchSharp;

namespace Fragility.Tests.Attacks;

/// <summary>An iterate's label check takes the logits its criterion map's pass made instead of a forward pass of its
/// own. Those logits must be model.forward's bit for bit (or absent where a canonizer rewrote the network), and the
/// attack's iterates, maps and outcomes (labels and confidences included) the same as with a forward of its own.</summary>
public sealed class LabelsFromMapPassTests : OneTorchThread
{
    [Theory]
    [InlineData("shipped", "gradient", true)]
    [InlineData("shipped", "grad_x_input", true)]
    [InlineData("shipped", "deeplift", true)]
    [InlineData("shipped", "lrp", true)]
    [InlineData("shipped", "lrp_epsilon", true)]
    [InlineData("squeezenet1_0", "deeplift", true)]
    [InlineData("squeezenet1_0", "gradient", true)]
    [InlineData("resnet18", "gradient", true)]
    [InlineData("resnet18", "deeplift", true)]    // the export folded its batch norms already
    [InlineData("shipped", "ig", false)]          // no path point is the input itself
    public void TheMapsPass_GivesTheModelsLogits_BitForBit_OrNone(string modelName, string methodName, bool expected)
    {
        using var model = SameAttack.Model(modelName);
        using var x = SameAttack.Inputs(modelName, 2);
        var method = AttributionMethods.Create(methodName, new AttributionOptions { Reference = new ZeroReference(), IgSteps = 4 });
        using var relu = model.UseRelu();
        using var forward = model.forward(x);
        using var target = forward.argmax(1);
        var (attribution, logits) = method.AttributeWithLogits(model, x, target);
        using (attribution)
        using (logits)
        {
            Assert.Equal(expected, logits is not null);
            if (logits is not null) Assert.True(logits.eq(forward).all().item<bool>(), "the pass's logits differ from model.forward's");
            using var plain = method.Attribute(model, x, target);
            Assert.True(plain.eq(attribution).all().item<bool>(), "the map differs from Attribute's");
        }
    }

    /// <summary>Every imported architecture the propagation rules cover: the walk's logits are model.forward's bit for
    /// bit, or none are given. A walk that ran some operation differently from the graph's own forward would fail here.</summary>
    [Fact]
    public void EveryImportedGraphTheRulesCover_GivesTheModelsLogits_OrNone()
    {
        var covered = new List<string>();
        foreach (var path in Directory.GetFiles(ImportFixtures.Path("zoo"), "*.onnx").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (!File.Exists(ImportFixtures.Path($"zoo/{name}-inputs.npy"))) continue;
            using var model = SameAttack.Model(name);
            using var x = SameAttack.Inputs(name, 1);
            using var relu = model.UseRelu();
            using var forward = model.forward(x);
            using var target = forward.argmax(1);
            foreach (var method in new IAttributionMethod[] { new DeepLift(), new LrpEpsilon() })
            {
                (torch.Tensor Attribution, torch.Tensor? Logits) result;
                try { result = method.AttributeWithLogits(model, x, target); }
                catch (FragilityException) { continue; }   // an operation no rule covers: the method refuses the model
                using var attribution = result.Attribution;
                using var logits = result.Logits;
                if (logits is not null) Assert.True(logits.eq(forward).all().item<bool>(), $"{name} {method.Name}: the walk's logits differ from model.forward's");
                covered.Add($"{name} {method.Name}{(logits is null ? " (canonized)" : "")}");
            }
        }
        Assert.True(covered.Count(c => !c.EndsWith("(canonized)", StringComparison.Ordinal)) >= 20, $"only these were checked: {string.Join(", ", covered)}");
    }

    [Fact]
    public void ANetworkACanonizerRewrites_GivesNoLogits_ToPropagationMethods()
    {
        torch.manual_seed(9);
        var bn = torch.nn.BatchNorm2d(4);
        var net = torch.nn.Sequential(("0", torch.nn.Conv2d(1, 4, 3, padding: 1)), ("1", bn), ("2", new SwitchableActivation()),
            ("3", torch.nn.Flatten()), ("4", torch.nn.Linear(4 * 12 * 12, 3)));
        using var model = TestModels.Wrap(net, 1, 12, 12, 3);
        TestModels.HeInit(model, 9);
        using (torch.no_grad())
        {
            bn.running_mean!.copy_(torch.randn(4, dtype: torch.ScalarType.Float64) * 0.3);
            bn.running_var!.copy_(torch.rand(4, dtype: torch.ScalarType.Float64) + 0.5);
        }
        using var x = TestModels.Inputs(2, 40);
        using var target = TestModels.Predicted(model, x);
        // The batch norm folded into its convolution rounds differently, so those logits are not model.forward's.
        foreach (var method in new IAttributionMethod[] { new DeepLift(), new DeepTaylor(), new LrpEpsilon() })
        {
            var (attribution, logits) = method.AttributeWithLogits(model, x, target);
            attribution.Dispose();
            Assert.Null(logits);
        }
        var (g, gradientLogits) = new SimpleGradient().AttributeWithLogits(model, x, target);
        using (g)
        using (gradientLogits)
        using (var forward = model.forward(x))
            Assert.True(gradientLogits!.eq(forward).all().item<bool>());
    }

    [Theory]
    [InlineData("shipped", "gradient")]
    [InlineData("shipped", "deeplift")]
    [InlineData("shipped", "lrp")]
    [InlineData("squeezenet1_0", "deeplift")]
    [InlineData("resnet18", "gradient")]
    public void TheAttack_IsTheSame_WithTheLabelsFromTheMapsPass(string modelName, string methodName) =>
        SameAttack.TopKRunsAgree(modelName, methodName, on => new SameAttack.Savings(LabelsFromMapPass: on));
}
