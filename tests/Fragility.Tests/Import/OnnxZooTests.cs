using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

/// <summary>The reduced torchvision zoo written by tools/fixtures/make_zoo_fixtures.py: each graph imports, gives
/// PyTorch's and ONNX Runtime's logits, is differentiable twice on its smooth twin, and follows the batch size.</summary>
public class OnnxZooTests
{
    public static readonly TheoryData<string> Zoo =
    [
        "resnet18", "resnext50", "vgg11_bn", "alexnet", "googlenet", "inception_v3", "densenet", "squeezenet1_0",
        "mobilenet_v2", "mobilenet_v3_small", "mnasnet", "shufflenet_v2", "shufflenet_v2_opset12", "efficientnet_b0", "efficientnet_v2",
        "regnet", "regnet_opset16",
        "convnext", "convnext_opset13", "vit", "vit_opset17", "swin", "misc_ops", "view_chain",
    ];

    private static string Onnx(string name) => $"zoo/{name}.onnx";

    private static Tensor Forward(nn.Module<Tensor, Tensor> net, Tensor x)
    {
        using var _ = torch.no_grad();
        return net.forward(x);
    }

    /// <summary>1e-4 relative to the logits' scale (random weights make some logits near zero).</summary>
    private static void AssertLogits(Tensor actual, Tensor expected, string what)
    {
        double scale = expected.abs().max().item<float>();
        ImportFixtures.AssertClose(actual, expected, 1e-4 * scale, 1e-4, what);
    }

    [Theory]
    [MemberData(nameof(Zoo))]
    public void Logits_MatchPyTorchAndOnnxRuntime_ForABatchAndForEachImageAlone(string name)
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path(Onnx(name)));
        using var x = ImportFixtures.Npy($"zoo/{name}-inputs.npy");
        using var logits = Forward(net, x);
        using var pytorch = ImportFixtures.Npy($"zoo/{name}-logits.npy");
        using var ort = ImportFixtures.OnnxRuntime(Onnx(name), x);
        AssertLogits(logits, pytorch, $"{name} vs PyTorch");
        AssertLogits(logits, ort, $"{name} vs ONNX Runtime");
        // The batch dimension stays symbolic: one image alone gives its row of the batch.
        using var one = Forward(net, x.narrow(0, 1, 1));
        AssertLogits(one, ort.narrow(0, 1, 1), $"{name}, second image alone");
    }

    [Theory]
    [MemberData(nameof(Zoo))]
    public void AttackStep_DoubleBackwardOnTheSmoothTwin_GivesAFiniteNonZeroGradient(string name)
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path(Onnx(name)));
        using var x0 = ImportFixtures.Npy($"zoo/{name}-inputs.npy").narrow(0, 0, 1);
        foreach (var a in net.modules().OfType<SwitchableActivation>()) { a.Mode = ActivationMode.Softplus; a.Beta = 5; }
        // One step of the paper's attack: the saliency map (d top logit / dx) and the gradient of its top-k mass.
        using var x = x0.clone().requires_grad_(true);
        using var logits = net.forward(x);
        long label = logits.argmax(1).item<long>();
        using var score = logits.select(1, label).sum();
        using var map = torch.autograd.grad([score], [x], create_graph: true, retain_graph: true)[0];
        using var saliency = map.abs().sum(1).flatten();
        var (top, _) = saliency.topk(Math.Min(20, (int)saliency.shape[0]));
        using var objective = top.sum();
        using var step = torch.autograd.grad([objective], [x])[0];
        top.Dispose();
        Assert.True(step.isfinite().all().item<bool>(), $"{name}: non-finite attack gradient");
        Assert.True(step.abs().max().item<float>() > 0, $"{name}: attack gradient is zero");
    }

    [Theory]
    [InlineData("misc_ops")]
    [InlineData("mobilenet_v3_small")]
    [InlineData("vit")]
    [InlineData("convnext")]
    public void GradientsAndTwinSecondDerivatives_MatchFiniteDifferences_InFloat64(string name)
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path(Onnx(name)));
        net.to(ScalarType.Float64);
        using var x0 = ImportFixtures.Npy($"zoo/{name}-inputs.npy").narrow(0, 0, 1).to(ScalarType.Float64);
        torch.manual_seed(21);
        using var weights = torch.randn(1, 10, dtype: ScalarType.Float64);
        using var u = torch.randn_like(x0);
        using var v = torch.randn_like(x0);
        double F(Tensor at) { using var _ = torch.no_grad(); using var y = net.forward(at); return (y * weights).sum().item<double>(); }
        double GradDotU(Tensor at)
        {
            using var x = at.clone().requires_grad_(true);
            using var s = (net.forward(x) * weights).sum();
            using var g = torch.autograd.grad([s], [x])[0];
            return (g * u).sum().item<double>();
        }

        // First derivative on the model as exported (ReLU kinks are measure-zero at random inputs).
        double analytic = GradDotU(x0);
        const double h = 1e-6;
        using (var plus = x0 + u * h)
        using (var minus = x0 - u * h)
        {
            double numeric = (F(plus) - F(minus)) / (2 * h);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"{name}: autograd {analytic:G10}, finite difference {numeric:G10}");
        }

        // Second derivative on the smooth twin: u'Hv against differences of gradients.
        foreach (var a in net.modules().OfType<SwitchableActivation>()) { a.Mode = ActivationMode.Softplus; a.Beta = 2; }
        using var xr = x0.clone().requires_grad_(true);
        using var score = (net.forward(xr) * weights).sum();
        using var g1 = torch.autograd.grad([score], [xr], create_graph: true, retain_graph: true)[0];
        using var gu = (g1 * u).sum();
        using var hv = torch.autograd.grad([gu], [xr])[0];
        double second = (hv * v).sum().item<double>();
        const double h2 = 1e-5;
        using var plus2 = x0 + v * h2;
        using var minus2 = x0 - v * h2;
        double numeric2 = (GradDotU(plus2) - GradDotU(minus2)) / (2 * h2);
        Assert.True(Math.Abs(second) > 1e-8, $"{name}: second derivative is zero ({second:G4}, first {analytic:G4})");
        Assert.True(Math.Abs(second - numeric2) <= 1e-6 + 1e-4 * Math.Abs(numeric2), $"{name}: u'Hv autograd {second:G10}, finite difference {numeric2:G10}");
    }

    [Fact]
    public void SmoothTwin_SaysWhatItChanges_AndEveryPiecewiseLinearActivationSwitches()
    {
        using var misc = OnnxNetwork.Load(ImportFixtures.Path(Onnx("misc_ops")));
        Assert.Equal(new Dictionary<string, int> { ["LeakyRelu"] = 1, ["PRelu"] = 1, ["Relu"] = 1, ["Clip"] = 1, ["HardSigmoid"] = 2 }, misc.SmoothTwinChanges);
        Assert.Contains("Abs x1", misc.SmoothTwinSummary);
        using var mobile = OnnxNetwork.Load(ImportFixtures.Path(Onnx("mobilenet_v3_small")));
        Assert.True(mobile.SmoothTwinChanges.ContainsKey("HardSwish") && mobile.SmoothTwinChanges.ContainsKey("HardSigmoid"), mobile.SmoothTwinSummary);
        using var vit = OnnxNetwork.Load(ImportFixtures.Path(Onnx("vit")));
        Assert.Empty(vit.SmoothTwinChanges);   // GELU (Erf), Softmax, layer norm are smooth already
    }

    [Theory]
    [InlineData("vit")]
    [InlineData("misc_ops")]
    [InlineData("convnext_opset13")]
    [InlineData("shufflenet_v2")]
    public void SavedModel_LoadsBackThroughModelStore_WithIdenticalLogits(string name)
    {
        // The stored graph keeps the constants that folding needs (shapes, pads, bounds) and drops the weights.
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fragility-{Guid.NewGuid():N}.safetensors");
        try
        {
            var result = ModelImporter.ImportAndSave(new ImportOptions { Source = ImportFixtures.Path(Onnx(name)), Onnx = true, Classes = 10 }, path);
            using var imported = result.Model;
            using var loaded = ModelStore.Load(path);
            using var x = ImportFixtures.Npy($"zoo/{name}-inputs.npy");
            using var a = Forward(imported, x);
            using var b = Forward(loaded, x);
            Assert.Equal(0f, (a - b).abs().max().item<float>());
            Assert.Equal(((OnnxNetwork)imported.Network).SmoothTwinSummary, ((OnnxNetwork)loaded.Network).SmoothTwinSummary);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BatchSizedReshape_RunLayerByLayer_FollowsTheBatchItIsGiven()
    {
        // x.view(x.size(0), -1): the layer-wise path runs the steps without the network's forward, at another batch.
        using var net = OnnxNetwork.Load(ImportFixtures.Path(Onnx("view_chain")));
        Assert.True(net.IsLayerChain, net.LayerChainUnavailableReason);
        using var x = ImportFixtures.Npy("zoo/view_chain-inputs.npy");
        using var one = Forward(net, x.narrow(0, 0, 1));
        using var _ = torch.no_grad();
        using var chained = LayerChain.Forward(net.Layers, x);
        using var direct = net.forward(x);
        Assert.Equal(0f, (chained - direct).abs().max().item<float>());
    }
}
