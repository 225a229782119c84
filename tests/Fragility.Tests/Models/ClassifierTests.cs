using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Models;

public class ClassifierTests
{
    private static Classifier NewSmallCnn(int seed = 1)
    {
        torch.manual_seed(seed);
        return ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn,
            Preprocessing = new Preprocessing { Channels = 1, Height = 28, Width = 28, Mean = [0.3], Std = [0.35] },
            ClassNames = Enumerable.Range(0, 10).Select(i => $"class {i}").ToArray(),
            Dataset = "unit-test", Seed = seed,
        });
    }

    [Fact]
    public void SoftplusSwitch_ChangesOutputs_AndSwitchingBackRestoresThemExactly()
    {
        using var model = NewSmallCnn();
        using var x = torch.rand(4, 1, 28, 28);
        using var relu = model.forward(x);
        var before = model.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using (model.UseSoftplus(1.0))
        {
            Assert.Equal(ActivationMode.Softplus, model.ActivationMode);
            using var soft = model.forward(x);
            Assert.False(relu.allclose(soft, 1e-3, 1e-3));
        }
        Assert.Equal(ActivationMode.Relu, model.ActivationMode);
        using var again = model.forward(x);
        Assert.True(relu.allclose(again, 0, 0));
        foreach (var (k, v) in model.Network.state_dict()) Assert.True(v.allclose(before[k], 0, 0), k);
    }

    [Fact]
    public void LargeBetaSoftplus_ApproachesRelu()
    {
        using var model = NewSmallCnn();
        using var x = torch.rand(2, 1, 28, 28);
        using var relu = model.forward(x);
        using var _ = model.UseSoftplus(1000.0);
        using var soft = model.forward(x);
        Assert.True((relu - soft).abs().max().item<float>() < 0.05f);
    }

    [Fact]
    public void SaveAndLoad_RoundTripsWeightsAndMetadata()
    {
        using var model = NewSmallCnn(7);
        string path = Path.Combine(Path.GetTempPath(), $"fragility-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelStore.Save(model, path);
            using var loaded = ModelStore.Load(path);
            Assert.Equal(model.Metadata.Architecture, loaded.Metadata.Architecture);
            Assert.Equal(model.Metadata.ClassNames, loaded.Metadata.ClassNames);
            Assert.Equal(model.Metadata.Preprocessing.Mean, loaded.Metadata.Preprocessing.Mean);
            Assert.Equal(7, loaded.Metadata.Seed);
            using var x = torch.rand(3, 1, 28, 28);
            Assert.True(model.forward(x).allclose(loaded.forward(x), 0, 0));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void WrongInputSize_IsAClearError()
    {
        using var model = NewSmallCnn();
        using var x = torch.rand(1, 3, 32, 32);
        var e = Assert.Throws<FragilityException>(() => model.forward(x));
        Assert.Contains("1x28x28", e.Message);
    }

    [Fact]
    public void TruncatedModelFile_IsAClearError()
    {
        using var model = NewSmallCnn();
        string path = Path.Combine(Path.GetTempPath(), $"fragility-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelStore.Save(model, path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<FragilityException>(() => ModelStore.Load(path));
            Assert.Contains("truncated", e.Message);
            File.WriteAllText(path, "not a model");
            Assert.Throws<FragilityException>(() => ModelStore.Load(path));
        }
        finally { File.Delete(path); }
    }
}
