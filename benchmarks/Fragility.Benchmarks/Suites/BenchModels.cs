using Fragility.Data;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>The models and inputs the suites measure: the shipped small-cnn on sample images, and an untrained
/// torchvision-layout SqueezeNet 1.1 at 224x224 (timings do not depend on the weights).</summary>
internal static class BenchModels
{
    public static Classifier SmallCnn() => ModelStore.Load(null);

    public static Tensor SmallInputs(int n)
    {
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: n);
        return data.Images.clone();
    }

    public static Classifier SqueezeNet()
    {
        torch.manual_seed(0);
        return ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SqueezeNet11, Preprocessing = Preprocessing.ImageNet,
            ClassNames = Enumerable.Range(0, 1000).Select(i => $"class {i}").ToArray(),
        });
    }

    public static Tensor SqueezeInputs(int n)
    {
        var g = new torch.Generator(0);
        return torch.rand([n, 3, 224, 224], generator: g);
    }

    public static Tensor Labels(Classifier model, Tensor x) => torch.tensor(model.Predict(x).Labels);

    /// <summary>Resident set size of the process in MB (native tensors included).</summary>
    public static double ResidentMegabytes()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64 / (1024.0 * 1024.0);
    }
}
