using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>Time per map of each explanation method (issue 3): small-cnn at batch 1 and 64, SqueezeNet 1.1 224x224 at batch 1 and 8.</summary>
public sealed class MapsSuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "maps";

    /// <inheritdoc />
    public string Description => "time per map per method (small-cnn 28x28; squeezenet1_1 224x224)";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        string[] methods = ["gradient", "grad_x_input", "ig", "deeplift", "lrp", "smoothgrad"];
        using (var small = BenchModels.SmallCnn())
            foreach (int batch in new[] { 1, 64 })
                Measure(bench, small, "small-cnn", BenchModels.SmallInputs(batch), methods);
        using var squeeze = BenchModels.SqueezeNet();
        foreach (int batch in bench.Quick ? new[] { 1 } : new[] { 1, 8 })
            Measure(bench, squeeze, "squeezenet1_1", BenchModels.SqueezeInputs(batch), methods);
    }

    private void Measure(Bench bench, Classifier model, string modelName, Tensor x, string[] methods)
    {
        using var _ = x;
        using var target = BenchModels.Labels(model, x);
        int n = (int)x.shape[0];
        foreach (var name in methods)
        {
            // IG and SmoothGrad at their defaults (100 path points, 50 samples): the cost users get.
            var method = AttributionMethods.Create(name, new AttributionOptions { Reference = References.Create(model, "channel-mean") });
            bench.Measure(Name, $"{modelName} batch {n} {name}", () =>
            {
                using var scope = torch.NewDisposeScope();
                method.Attribute(model, x, target);
            }, unitsPerRun: n, unit: "maps");
        }
    }
}
