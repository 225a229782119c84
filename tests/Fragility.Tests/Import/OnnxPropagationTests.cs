using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

/// <summary>DeepLIFT and relevance propagation over imported ONNX graphs (residual sums, concatenations, folded
/// BatchNorm), against completeness, the chain walk of the same network, and gradient x input.</summary>
public class OnnxPropagationTests(ITestOutputHelper output)
{
    internal static Classifier Wrap(OnnxNetwork net)
    {
        var shape = net.InputShape;
        return new Classifier(net, new ModelMetadata
        {
            Architecture = OnnxNetwork.ArchitectureName, Preprocessing = Preprocessing.Plain((int)shape[1], (int)shape[2], (int)shape[3]),
            ClassNames = Enumerable.Range(0, (int)net.OutputClasses).Select(i => $"c{i}").ToArray(),
        });
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnext50")]
    [InlineData("densenet")]
    [InlineData("mobilenet_v2")]
    [InlineData("googlenet")]
    [InlineData("vgg11_bn")]
    [InlineData("alexnet")]
    [InlineData("squeezenet1_0")]
    [InlineData("inception_v3")]
    [InlineData("shufflenet_v2")]
    public void DeepLift_OnTheImportedGraph_SumsToTheScoreDifference_InFloat64(string name)
    {
        // Some reduced zoo models with torchvision's initialisation barely respond to their input (GoogLeNet's score
        // differences are below 1e-16), so their weights are drawn again with He's scale, and completeness is checked
        // in float64, where rounding stays far below the score differences. Completeness holds for any weights.
        using var net = OnnxNetwork.Load(ImportFixtures.Path($"zoo/{name}.onnx"));
        Assert.True(net.Graph is not null, net.PropagationUnavailableReason);
        using var model = Wrap(net);
        model.to(ScalarType.Float64);
        HeInit(net, 21);
        using var x = ImportFixtures.Npy($"zoo/{name}-inputs.npy").to(ScalarType.Float64);
        var error = Completeness(model, x);
        Assert.True(error.MaxRelative < 1e-4, $"{name}: relative completeness error {error.MaxRelative}");
    }

    [Fact]
    public void DeepLift_OnResNet18_SumsToTheScoreDifferenceWithin1e4_InFloat32()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("zoo/resnet18.onnx"));
        using var model = Wrap(net);
        using var x = ImportFixtures.Npy("zoo/resnet18-inputs.npy");
        var error = Completeness(model, x);
        Assert.All(error.ScoreDifference, d => Assert.True(Math.Abs(d) > 1e-3, $"score difference {d} too small to test in float32"));
        Assert.True(error.MaxRelative < 1e-4, $"relative completeness error {error.MaxRelative}");
    }

    private static void HeInit(nn.Module net, int seed)
    {
        torch.manual_seed(seed);
        using var _ = torch.no_grad();
        foreach (var m in net.modules())
        {
            var w = m switch { TorchSharp.Modules.Conv2d c => c.weight, TorchSharp.Modules.Linear l => l.weight, _ => null };
            if (w is null) continue;
            long fanIn = w.numel() / w.shape[0];
            w.normal_(0, Math.Sqrt(2.0 / fanIn));
        }
    }

    private CompletenessError Completeness(Classifier model, Tensor x)
    {
        using var target = model.forward(x).argmax(1);
        // A reference that is not zero and differs from x everywhere: the batch's mean image, darkened.
        using var mean = x.mean([0]) * 0.5;
        using var reference = new MeanImageReference(mean);
        var (attribution, error) = new DeepLift(reference).AttributeWithCompleteness(model, x, target);
        attribution.Dispose();
        output.WriteLine($"{x.dtype}: worst relative completeness error {error.MaxRelative:E2}; score differences {string.Join(" ", error.ScoreDifference.Select(d => d.ToString("G4")))}");
        Assert.All(error.ScoreDifference, d => Assert.True(Math.Abs(d) > 1e-12, $"score difference {d} too small to test"));
        return error;
    }

    [Fact]
    public void DeepLift_IsDifferentiableThroughTheGraph_ForTheAttacks()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("zoo/resnet18.onnx"));
        using var model = Wrap(net);
        using var x0 = ImportFixtures.Npy("zoo/resnet18-inputs.npy").narrow(0, 0, 1);
        using var target = model.forward(x0).argmax(1);
        using var x = x0.clone().requires_grad_(true);
        using var map = new DeepLift().Attribute(model, x, target, createGraph: true);
        Assert.True(map.requires_grad);
        using var objective = map.abs().sum();
        using var grad = torch.autograd.grad([objective], [x])[0];
        Assert.True(grad.isfinite().all().item<bool>());
        Assert.True(grad.abs().max().item<float>() > 0);
    }

    [Theory]
    [InlineData("squeezenet1_0")]
    [InlineData("vgg11_bn")]
    public void GraphWalk_EqualsChainWalk_OnAChainModel(string name)
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path($"zoo/{name}.onnx"));
        Assert.True(net.IsLayerChain, net.LayerChainUnavailableReason);
        var graph = net.Graph ?? throw new InvalidOperationException(net.PropagationUnavailableReason);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = ImportFixtures.Npy($"zoo/{name}-inputs.npy");
        var r = x.mean([0], keepdim: true).expand_as(x) * 0.5;
        var target = net.forward(x).argmax(1);
        Tensor OneHot(Tensor y, Tensor? _) => nn.functional.one_hot(target, y.shape[1]).to(y.dtype);
        foreach (var composite in new[] { Composite.DeepLiftRescale(), Composite.Epsilon(0.25), Composite.DeepTaylor([-3, -3, -3], [3, 3, 3]) })
        {
            var reference = composite.SumEpsilon is null ? r : null;
            Func<Tensor, Tensor?, Tensor> signal = composite.SumEpsilon is null ? OneHot : (y, _) => OneHot(y, null) * y;
            var (viaChain, _, _) = PropagationWalker.Propagate(net.Layers, x, reference, composite, signal);
            var (viaGraph, _, _) = PropagationWalker.Propagate([graph], x, reference, composite, signal);
            double scale = viaChain.abs().max().item<float>();
            double diff = (viaChain - viaGraph).abs().max().item<float>();
            output.WriteLine($"{name} {composite.Name}: max |chain - graph| {diff:E2} of {scale:E2}");
            Assert.True(diff <= 1e-5 * scale, $"{composite.Name}: chain and graph walks differ by {diff} (scale {scale})");
        }
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("densenet")]
    [InlineData("resnext50")]
    public void EpsilonLrp_OnAnImportedReluGraphWithoutBiases_EqualsGradientTimesInput(string name)
    {
        // Without biases a ReLU network is positively homogeneous layer by layer, so LRP with epsilon -> 0 (z rule
        // on convolutions, average pools and residual sums, winner-take-all max-pools) is gradient x input
        // (Ancona et al. 2018): an independent check of the graph walk with LRP's rules.
        using var net = OnnxNetwork.Load(ImportFixtures.Path($"zoo/{name}.onnx"));
        using var model = Wrap(net);
        model.to(ScalarType.Float64);
        HeInit(net, 22);
        // Every offset goes: biases, and the shifts of DenseNet's unfolded (pre-activation) BatchNorms.
        using (torch.no_grad())
            foreach (var m in net.modules())
                foreach (var offset in m switch
                {
                    TorchSharp.Modules.Conv2d c => [c.bias], TorchSharp.Modules.Linear l => [l.bias],
                    TorchSharp.Modules.BatchNorm2d b => [b.bias, b.running_mean], _ => Array.Empty<Tensor?>(),
                })
                    offset?.zero_();
        using var scope = torch.NewDisposeScope();
        var x = ImportFixtures.Npy($"zoo/{name}-inputs.npy").to(ScalarType.Float64);
        var target = model.forward(x).argmax(1);
        var relevance = Relevance.Propagate(model, x, target, Composite.Epsilon(1e-12), createGraph: false);
        var xg = x.clone().requires_grad_(true);
        var g = torch.autograd.grad([model.forward(xg).gather(1, target.unsqueeze(1)).sum()], [xg])[0];
        var gi = g * x;
        double off = (gi - relevance).abs().max().item<double>(), scale = gi.abs().max().item<double>();
        output.WriteLine($"{name}: max |LRP - gradient x input| {off:E2} of {scale:E2}");
        Assert.True(off <= 1e-6 * scale, $"{name}: LRP-epsilon differs from gradient x input by {off} (scale {scale})");
    }

    /// <summary>A bias-free ReLU graph: conv, relu, a residual block (conv + skip), a concatenation with a second
    /// conv branch, average pool, flatten, linear.</summary>
    private static (GraphNode Graph, List<nn.Module> Modules) HandBuilt()
    {
        torch.manual_seed(11);
        var c1 = nn.Conv2d(2, 4, 3, padding: 1, bias: false);
        var c2 = nn.Conv2d(4, 4, 3, padding: 1, bias: false);
        var c3 = nn.Conv2d(4, 3, 1, bias: false);
        var lin = nn.Linear(7 * 4 * 4, 5, hasBias: false);
        var modules = new List<nn.Module> { c1, c2, c3, lin };
        var steps = new List<GraphStep>
        {
            new("c1", ["x"], "a", c1, GraphJoin.Layer),
            new("r1", ["a"], "b", new SwitchableActivation(), GraphJoin.Layer),
            new("c2", ["b"], "c", c2, GraphJoin.Layer),
            new("add", ["c", "b"], "d", null, GraphJoin.Add),
            new("r2", ["d"], "e", new SwitchableActivation(), GraphJoin.Layer),
            new("c3", ["b"], "f", c3, GraphJoin.Layer),
            new("cat", ["e", "f"], "g", null, GraphJoin.Concat),
            new("pool", ["g"], "h", nn.AvgPool2d(2), GraphJoin.Layer),
            new("flat", ["h"], "i", nn.Flatten(), GraphJoin.Layer),
            new("fc", ["i"], "y", lin, GraphJoin.Layer),
        };
        foreach (var s in steps) if (s.Layer is not null) s.Layer.to(ScalarType.Float64);
        return (new GraphNode(steps, "x", "y"), modules);
    }

    [Fact]
    public void EpsilonLrp_OnABiasFreeGraph_ConservesRelevanceThroughAddAndConcat_AndEqualsGradientTimesInput()
    {
        var (graph, modules) = HandBuilt();
        try
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(12);
            var x = torch.randn(3, 2, 8, 8, dtype: ScalarType.Float64);
            var target = torch.tensor(new long[] { 0, 2, 4 });
            var composite = Composite.Epsilon(1e-12);
            var (relevance, y, _) = PropagationWalker.Propagate([graph], x, null, composite,
                (o, _) => nn.functional.one_hot(target, o.shape[1]).to(o.dtype) * o);
            var score = y.gather(1, target.unsqueeze(1)).squeeze(1);
            var total = relevance.sum([1, 2, 3]);
            output.WriteLine($"scores {score.str()} relevance sums {total.str()}");
            double lost = (total - score).abs().max().item<double>();
            Assert.True(lost <= 1e-8 * score.abs().max().item<double>(), $"relevance not conserved: off by {lost}");

            // Bias-free ReLU network: epsilon -> 0 LRP is gradient x input (Ancona et al. 2018).
            var xg = x.clone().requires_grad_(true);
            var yg = LayerChain.Forward([graph], xg);
            var g = torch.autograd.grad([yg.gather(1, target.unsqueeze(1)).sum()], [xg])[0];
            var gi = g * x;
            double off = (gi - relevance).abs().max().item<double>();
            Assert.True(off <= 1e-6 * gi.abs().max().item<double>(), $"LRP-epsilon differs from gradient x input by {off} (scale {gi.abs().max().item<double>()})");
        }
        finally { foreach (var m in modules) m.Dispose(); }
    }

    [Fact]
    public void DeepLift_OnTheHandBuiltGraph_IsComplete_AndTheLinearRuleGivesBothAddendsTheSumsMultipliers()
    {
        var (graph, modules) = HandBuilt();
        try
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(13);
            var x = torch.randn(3, 2, 8, 8, dtype: ScalarType.Float64);
            var r = torch.randn(3, 2, 8, 8, dtype: ScalarType.Float64) * 0.3;
            var target = torch.tensor(new long[] { 1, 3, 0 });
            var (m, y, yr) = PropagationWalker.Propagate([graph], x, r, Composite.DeepLiftRescale(),
                (o, _) => nn.functional.one_hot(target, o.shape[1]).to(o.dtype));
            var delta = (y - yr!).gather(1, target.unsqueeze(1)).squeeze(1);
            var total = (m * (x - r)).sum([1, 2, 3]);
            Assert.True((total - delta).abs().max().item<double>() <= 1e-10 * delta.abs().max().item<double>(), $"completeness: {total.str()} vs {delta.str()}");
        }
        finally { foreach (var m in modules) m.Dispose(); }
    }

    [Fact]
    public void BatchNormCanonizer_FoldsIntoTheConvolution_WithoutChangingTheFunction_InAGraphAndInAChain()
    {
        torch.manual_seed(14);
        using var conv = nn.Conv2d(2, 3, 3, padding: 1);
        using var bn = nn.BatchNorm2d(3);
        using var relu = new SwitchableActivation();
        using (torch.no_grad())
        {
            bn.running_mean!.copy_(torch.randn(3));
            bn.running_var!.copy_(torch.rand(3) + 0.5);
            bn.weight!.copy_(torch.randn(3));
            bn.bias!.copy_(torch.randn(3));
        }
        bn.eval();
        var graph = new GraphNode(
        [
            new("conv", ["x"], "a", conv, GraphJoin.Layer), new("bn", ["a"], "b", bn, GraphJoin.Layer),
            new("relu", ["b"], "c", relu, GraphJoin.Layer), new("add", ["c", "b"], "y", null, GraphJoin.Add),
        ], "x", "y");
        var chain = new LayerNode[] { new ModuleNode(conv, "conv"), new ModuleNode(bn, "bn"), new ModuleNode(relu, "relu") };
        var created = new List<nn.Module>();
        try
        {
            var folded = (GraphNode)BatchNormCanonizer.Instance.Apply([graph], created).Single();
            var foldedChain = BatchNormCanonizer.Instance.Apply(chain, created);
            Assert.Equal(2, created.Count);
            Assert.DoesNotContain(folded.Steps, s => s.Layer is TorchSharp.Modules.BatchNorm2d);
            Assert.Equal(3, folded.Steps.Count);
            Assert.Equal(2, foldedChain.Count);
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var x = torch.randn(2, 2, 5, 5);
            Assert.True((LayerChain.Forward([graph], x) - LayerChain.Forward([folded], x)).abs().max().item<float>() < 1e-5);
            Assert.True((LayerChain.Forward(chain, x) - LayerChain.Forward(foldedChain, x)).abs().max().item<float>() < 1e-5);
        }
        finally { foreach (var m in created) m.Dispose(); }

        // The walk disposes the folded modules it made; a map built with a graph stays differentiable after it.
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.randn(2, 2, 5, 5).requires_grad_(true);
            var (m, _, _) = PropagationWalker.Propagate([graph], x, torch.zeros_like(x), Composite.DeepLiftRescale(), (o, _) => o.sum(1, keepdim: true).expand_as(o).sign());
            var g = torch.autograd.grad([(m * x).pow(2).sum()], [x])[0];
            Assert.True(g.isfinite().all().item<bool>() && g.abs().max().item<float>() > 0);
        }
    }

    [Theory]
    [InlineData("vit", "Expand")]
    [InlineData("efficientnet_b0", "Sigmoid")]
    [InlineData("regnet", "Sigmoid")]
    [InlineData("convnext", "LayerNormalization")]
    [InlineData("mobilenet_v3_small", "Mul")]
    [InlineData("efficientnet_v2", "Sigmoid")]
    [InlineData("swin", "Sub")]
    [InlineData("misc_ops", "Tanh")]
    public void LayerWiseMethods_AreRefusedWithTheReason_WhereNoRuleCoversAnOperator(string name, string op)
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path($"zoo/{name}.onnx"));
        Assert.Null(net.Graph);
        output.WriteLine($"{name}: {net.PropagationUnavailableReason}");
        Assert.Contains($"({op}", net.PropagationUnavailableReason);
        using var model = Wrap(net);
        using var x = ImportFixtures.Npy($"zoo/{name}-inputs.npy");
        using var target = torch.zeros(x.shape[0], ScalarType.Int64);
        foreach (var act in new Func<Tensor>[] { () => new DeepLift().Attribute(model, x, target), () => Relevance.Propagate(model, x, target, Composite.Epsilon(0.25), false) })
        {
            var e = Assert.Throws<FragilityException>(act);
            ImportFixtures.AssertOneLine(e);
            Assert.Contains(net.PropagationUnavailableReason!, e.Message);
        }
    }
}
