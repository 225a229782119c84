using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

public class OnnxNetworkTests
{
    private static Tensor Forward(nn.Module<Tensor, Tensor> net, Tensor x)
    {
        using var _ = torch.no_grad();
        return net.forward(x);
    }

    [Fact]
    public void OpsCnn_MatchesPyTorchAndOnnxRuntime()
    {
        // Conv (groups, dilation, per-axis pads), BatchNorm, MaxPool ceil_mode, Concat, Mul by a Constant,
        // Add, Clip, Identity, AveragePool, GlobalAveragePool, Flatten, Reshape [0,-1], Gemm (alpha, beta, transB=0),
        // Dropout, MatMul.
        using var net = OnnxNetwork.Load(ImportFixtures.Path("ops-cnn.onnx"));
        using var x = ImportFixtures.Npy("ops-inputs.npy");
        using var y = Forward(net, x);
        using var torchRef = ImportFixtures.Npy("ops-logits.npy");
        using var ort = ImportFixtures.OnnxRuntime("ops-cnn.onnx", x);
        ImportFixtures.AssertClose(y, torchRef, 1e-5, 1e-4, "vs PyTorch");
        ImportFixtures.AssertClose(y, ort, 1e-5, 1e-4, "vs ONNX Runtime");
        Assert.False(net.DroppedFinalSoftmax);
        foreach (var op in new[] { "Conv", "BatchNormalization", "MaxPool", "Concat", "Mul", "Add", "Clip", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Gemm", "MatMul", "Relu" })
            Assert.Contains(op, net.OperatorTypes);
    }

    [Fact]
    public void OpsExtra_AsymmetricPadsTransAAndOneSidedClip_MatchOnnxRuntime()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("ops-extra.onnx"));
        using var x = ImportFixtures.Npy("ops-extra-inputs.npy");
        using var y = Forward(net, x);
        using var ort = ImportFixtures.OnnxRuntime("ops-extra.onnx", x);
        ImportFixtures.AssertClose(y, ort, 1e-5, 1e-4, "vs ONNX Runtime");
    }

    [Fact]
    public void FinalSoftmax_IsDropped_SoScoresAreLogits()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("ops-cnn-softmax.onnx"));
        Assert.True(net.DroppedFinalSoftmax);
        Assert.Equal(11, net.Opset);
        Assert.Contains(net.Notes, n => n.Contains("Softmax"));
        using var x = ImportFixtures.Npy("ops-inputs.npy");
        using var y = Forward(net, x);
        using var logits = ImportFixtures.Npy("ops-logits.npy");
        ImportFixtures.AssertClose(y, logits, 1e-5, 1e-4, "logits vs PyTorch");
        using var probs = ImportFixtures.OnnxRuntime("ops-cnn-softmax.onnx", x);
        using var soft = y.softmax(1);
        ImportFixtures.AssertClose(soft, probs, 1e-6, 1e-4, "softmax(logits) vs ONNX Runtime");
    }

    [Fact]
    public void SqueezeNetOnnx_MatchesPyTorchReferenceLogits_AndOnnxRuntime()
    {
        var result = ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("squeezenet1_1.onnx"), Onnx = true, Preprocess = "imagenet" });
        using var model = result.Model;
        Assert.Equal(OnnxNetwork.ArchitectureName, model.Metadata.Architecture);
        Assert.Equal(1000, model.ClassCount);
        Assert.Equal("tench", model.Metadata.ClassNames[0]);
        using var pixels = ImportFixtures.Npy("squeezenet-inputs.npy");
        using var y = Forward(model, pixels);
        using var reference = ImportFixtures.Npy("squeezenet-logits.npy");
        ImportFixtures.AssertClose(y, reference, 1e-4, 1e-4, "vs PyTorch");
        // ONNX Runtime on the normalised input (the graph itself has no normalisation).
        using var first = pixels.narrow(0, 0, 1);
        using var z = model.Normalisation.forward(first);
        using var ort = ImportFixtures.OnnxRuntime("squeezenet1_1.onnx", z);
        using var y0 = y.narrow(0, 0, 1);
        ImportFixtures.AssertClose(y0, ort, 1e-4, 1e-4, "vs ONNX Runtime");
    }

    [Fact]
    public void Gradients_MatchCentralFiniteDifferences_InFloat64()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("ops-cnn.onnx"));
        net.to(ScalarType.Float64);
        torch.manual_seed(11);
        using var x0 = ImportFixtures.Npy("ops-inputs.npy").narrow(0, 0, 1).to(ScalarType.Float64);
        using var weights = torch.randn(1, 5, dtype: ScalarType.Float64);
        double F(Tensor x) { using var _ = torch.no_grad(); using var y = net.forward(x); return (y * weights).sum().item<double>(); }

        using var x = x0.clone().requires_grad_(true);
        using var score = (net.forward(x) * weights).sum();
        using var grad = torch.autograd.grad([score], [x])[0];
        Assert.True(grad.abs().max().item<double>() > 1e-3, "gradient is trivially zero");
        const double h = 1e-6;
        for (int k = 0; k < 3; k++)
        {
            using var v = torch.randn_like(x0);
            double analytic = (grad * v).sum().item<double>();
            using var plus = x0 + v * h;
            using var minus = x0 - v * h;
            double numeric = (F(plus) - F(minus)) / (2 * h);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"direction {k}: autograd {analytic:G10}, finite difference {numeric:G10}");
        }
    }

    [Fact]
    public void SoftplusSwitch_MatchesOnnxRuntimeOfTheSoftplusGraph_AndSwitchesBackExactly()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("ops-cnn.onnx"));
        using var model = new Classifier(net, new ModelMetadata
        {
            Architecture = OnnxNetwork.ArchitectureName, Preprocessing = Preprocessing.Plain(3, 16, 16),
            ClassNames = Enumerable.Range(0, 5).Select(i => $"c{i}").ToArray(),
        });
        Assert.Equal(5, model.Activations.Count);   // every Relu node, and the Clip's twin
        Assert.Equal(new Dictionary<string, int> { ["Relu"] = 4, ["Clip"] = 1 }, net.SmoothTwinChanges);
        using var x = ImportFixtures.Npy("ops-inputs.npy");
        using var relu = Forward(model, x);
        // The Softplus graph replaces the Relu nodes only: switch those (the Clip's own activation is named "activation").
        var reluNodes = net.named_modules().Where(m => m.module is SwitchableActivation && !m.name.EndsWith("activation", StringComparison.Ordinal))
            .Select(m => (SwitchableActivation)m.module).ToList();
        Assert.Equal(4, reluNodes.Count);
        foreach (var a in reluNodes) a.Mode = ActivationMode.Softplus;
        using (var soft = Forward(model, x))
        {
            using var ort = ImportFixtures.OnnxRuntime("ops-cnn-softplus.onnx", x);
            ImportFixtures.AssertClose(soft, ort, 1e-5, 1e-4, "softplus vs ONNX Runtime's Softplus graph");
            Assert.True(ImportFixtures.CloseRatio(soft, relu, 1e-3, 1e-3) > 1, "softplus did not change the output");
        }
        foreach (var a in reluNodes) a.Mode = ActivationMode.Relu;
        using (model.UseSoftplus(1.0))
        {
            using var twin = Forward(model, x);
            Assert.True(ImportFixtures.CloseRatio(twin, relu, 1e-3, 1e-3) > 1, "the twin did not change the output");
        }
        using var again = Forward(model, x);
        Assert.Equal(0f, (again - relu).abs().max().item<float>());
    }

    [Fact]
    public void SoftplusNetwork_HasANonZeroSecondDerivative_ThatMatchesFiniteDifferences()
    {
        // The attack needs d/dx of a gradient: on the softplus twin it exists and agrees with differences of gradients.
        using var net = OnnxNetwork.Load(ImportFixtures.Path("ops-cnn.onnx"));
        net.to(ScalarType.Float64);
        foreach (var a in net.modules().OfType<SwitchableActivation>()) a.Mode = ActivationMode.Softplus;
        using var x0 = ImportFixtures.Npy("ops-inputs.npy").narrow(0, 1, 1).to(ScalarType.Float64);
        torch.manual_seed(12);
        using var u = torch.randn_like(x0);
        using var v = torch.randn_like(x0);
        double GradDotU(Tensor at)
        {
            using var x = at.clone().requires_grad_(true);
            using var s = net.forward(x).select(1, 0).sum();
            using var g = torch.autograd.grad([s], [x])[0];
            return (g * u).sum().item<double>();
        }
        using var xr = x0.clone().requires_grad_(true);
        using var score = net.forward(xr).select(1, 0).sum();
        using var g1 = torch.autograd.grad([score], [xr], create_graph: true, retain_graph: true)[0];
        using var gu = (g1 * u).sum();
        using var hv = torch.autograd.grad([gu], [xr])[0];
        double analytic = (hv * v).sum().item<double>();
        const double h = 1e-5;
        using var plus = x0 + v * h;
        using var minus = x0 - v * h;
        double numeric = (GradDotU(plus) - GradDotU(minus)) / (2 * h);
        Assert.True(Math.Abs(analytic) > 1e-6, "second derivative is zero");
        Assert.True(Math.Abs(analytic - numeric) <= 1e-6 + 1e-4 * Math.Abs(numeric), $"u'Hv autograd {analytic:G10}, finite difference {numeric:G10}");
    }

    [Fact]
    public void SqueezeNetOnnx_IsALayerChainWithFireConcats_WhoseForwardEqualsTheGraph()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("squeezenet1_1.onnx"));
        Assert.True(net.IsLayerChain, net.LayerChainUnavailableReason);
        var layers = net.Layers;
        var concats = layers.OfType<ConcatNode>().ToList();
        Assert.Equal(8, concats.Count);                       // one per fire module
        Assert.All(concats, c => Assert.Equal(2, c.Branches.Count));
        Assert.All(concats, c => Assert.All(c.Branches, b => Assert.IsAssignableFrom<TorchSharp.Modules.Conv2d>(((ModuleNode)b[0]).Module)));
        Assert.Equal(26, layers.Concat(concats.SelectMany(c => c.Branches.SelectMany(b => b))).OfType<ModuleNode>().Count(m => m.Module is SwitchableActivation));
        torch.manual_seed(3);
        using var x = torch.randn(1, 3, 224, 224);
        using var direct = Forward(net, x);
        using var viaChain = LayerChainForward(layers, x);
        Assert.True(viaChain.allclose(direct, 1e-5, 1e-6));
    }

    [Fact]
    public void ResidualGraph_IsNotALayerChain_AndLayersSaysWhyInOneLine()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("ops-cnn.onnx"));
        Assert.False(net.IsLayerChain);
        Assert.Contains("/Add", net.LayerChainUnavailableReason);
        var e = Assert.Throws<FragilityException>(() => net.Layers);
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("gradient-based", e.Message);
    }

    [Fact]
    public void UnsupportedOperator_IsOneLineErrorNamingOpAndNode()
    {
        var e = Assert.Throws<FragilityException>(() => OnnxNetwork.Load(ImportFixtures.Path("sin-op.onnx")));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("operator 'Sin'", e.Message);
        Assert.Contains("node '/Sin'", e.Message);
    }

    [Fact]
    public void TruncatedOnnxFile_IsOneLineError()
    {
        byte[] bytes = File.ReadAllBytes(ImportFixtures.Path("ops-cnn.onnx"));
        var e = Assert.Throws<FragilityException>(() => OnnxNetwork.FromBytes(bytes[..(bytes.Length / 2)], "half.onnx"));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("half.onnx", e.Message);
    }

    [Fact]
    public void SavedOnnxModel_LoadsBackThroughModelStore_WithTheSameOutputs_AndWeightsStoredOnce()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fragility-{Guid.NewGuid():N}.safetensors");
        try
        {
            var result = ModelImporter.ImportAndSave(new ImportOptions { Source = ImportFixtures.Path("ops-cnn-softmax.onnx"), Onnx = true, Classes = 5 }, path);
            using var imported = result.Model;
            using var loaded = ModelStore.Load(path);
            Assert.IsType<OnnxNetwork>(loaded.Network);
            Assert.True(((OnnxNetwork)loaded.Network).DroppedFinalSoftmax);
            Assert.Equal(5, loaded.Activations.Count);   // 4 Relu nodes and the Clip's twin
            using var x = ImportFixtures.Npy("ops-inputs.npy");
            using var a = Forward(imported, x);
            using var b = Forward(loaded, x);
            Assert.Equal(0f, (a - b).abs().max().item<float>());
            using var logits = ImportFixtures.Npy("ops-logits.npy");
            ImportFixtures.AssertClose(b, logits, 1e-5, 1e-4, "reloaded vs PyTorch");
            // The stored graph has no weight data: the file is about one copy of the weights, not two.
            long graphBytes = loaded.Network.state_dict()[OnnxNetwork.GraphBufferName].numel();
            long weightBytes = loaded.Network.parameters().Sum(p => p.numel()) * 4;
            Assert.True(graphBytes < new FileInfo(ImportFixtures.Path("ops-cnn-softmax.onnx")).Length - weightBytes / 2, $"graph {graphBytes} bytes, weights {weightBytes} bytes");
        }
        finally { File.Delete(path); }
    }

    private static Tensor LayerChainForward(IReadOnlyList<LayerNode> layers, Tensor x)
    {
        using var _ = torch.no_grad();
        return LayerChain.Forward(layers, x);
    }
}
