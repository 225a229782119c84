using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Models;

public class ModelRegistryTests
{
    // torchvision.models.squeezenet1_1(num_classes=1000).state_dict(): 52 entries with these shapes.
    private static readonly (string Key, long[] Shape)[] TorchvisionSqueezeNet11 = BuildExpectedKeys();

    private static (string, long[])[] BuildExpectedKeys()
    {
        var keys = new List<(string, long[])> { ("features.0.weight", [64, 3, 3, 3]), ("features.0.bias", [64]) };
        (int Index, long In, long Sq, long E1, long E3)[] fires =
        [
            (3, 64, 16, 64, 64), (4, 128, 16, 64, 64), (6, 128, 32, 128, 128), (7, 256, 32, 128, 128),
            (9, 256, 48, 192, 192), (10, 384, 48, 192, 192), (11, 384, 64, 256, 256), (12, 512, 64, 256, 256),
        ];
        foreach (var f in fires)
        {
            keys.Add(($"features.{f.Index}.squeeze.weight", [f.Sq, f.In, 1, 1]));
            keys.Add(($"features.{f.Index}.squeeze.bias", [f.Sq]));
            keys.Add(($"features.{f.Index}.expand1x1.weight", [f.E1, f.Sq, 1, 1]));
            keys.Add(($"features.{f.Index}.expand1x1.bias", [f.E1]));
            keys.Add(($"features.{f.Index}.expand3x3.weight", [f.E3, f.Sq, 3, 3]));
            keys.Add(($"features.{f.Index}.expand3x3.bias", [f.E3]));
        }
        keys.Add(("classifier.1.weight", [1000, 512, 1, 1]));
        keys.Add(("classifier.1.bias", [1000]));
        return keys.ToArray();
    }

    [Fact]
    public void SqueezeNet11_StateDict_HasTorchvisionKeysAndShapes()
    {
        using var net = ModelRegistry.Create(ModelRegistry.SqueezeNet11, 3, 224, 224, 1000);
        var state = net.state_dict();
        Assert.Equal(52, state.Count);
        foreach (var (key, shape) in TorchvisionSqueezeNet11)
        {
            Assert.True(state.ContainsKey(key), $"missing {key}");
            Assert.Equal(shape, state[key].shape);
        }
        using var x = torch.rand(1, 3, 224, 224);
        using var y = net.forward(x);
        Assert.Equal(new long[] { 1, 1000 }, y.shape);
    }

    [Theory]
    [InlineData(ModelRegistry.SmallCnn, 1, 28)]
    [InlineData(ModelRegistry.SmallCnn, 3, 32)]
    [InlineData(ModelRegistry.PaperCnn, 1, 28)]
    [InlineData(ModelRegistry.PaperCnn, 3, 32)]
    public void Architectures_ProduceOneScorePerClass_ForTheirInputSize(string arch, int channels, int size)
    {
        using var net = ModelRegistry.Create(arch, channels, size, size, 10);
        using var x = torch.rand(2, channels, size, size);
        using var y = net.forward(x);
        Assert.Equal(new long[] { 2, 10 }, y.shape);
    }

    [Fact]
    public void UnknownArchitecture_IsAClearError()
    {
        var e = Assert.Throws<FragilityException>(() => ModelRegistry.Create("resnet9000", 1, 28, 28, 10));
        Assert.Contains("small-cnn", e.Message);
    }

    [Fact]
    public void LayerChain_ForwardEqualsModuleForward_IncludingFireConcat()
    {
        torch.manual_seed(3);
        using var model = ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SqueezeNet11, Preprocessing = Preprocessing.ImageNet with { Height = 64, Width = 64, ResizeShorter = null },
            ClassNames = Enumerable.Range(0, 5).Select(i => $"c{i}").ToArray(),
        });
        using var x = torch.rand(2, 3, 64, 64);
        using var direct = model.forward(x);
        using var chained = LayerChain.Forward(model.Layers, x);
        Assert.True(direct.allclose(chained, 1e-5, 1e-6));
        Assert.Contains(model.Layers, n => n is ConcatNode);
    }
}
