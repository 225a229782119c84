using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using Fragility.Models.Import;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>Issue 16's overhead check: SqueezeNet 1.1 at 224x224 imported from ONNX against the registry's
/// hand-written squeezenet1_1 with the same weights (the import fixtures squeezenet1_1.onnx and .pth, written from one
/// seeded torchvision model), for forward, gradient map and one attack step; and the imported forward against ONNX
/// Runtime's. Run from the repository root (the fixtures are read from tests/Fragility.Tests/Fixtures/import).</summary>
public sealed class OnnxOverheadSuite : IBenchmarkSuite
{
    private const string Fixtures = "tests/Fragility.Tests/Fixtures/import";

    /// <inheritdoc />
    public string Name => "onnx-overhead";

    /// <inheritdoc />
    public string Description => "squeezenet1_1 224x224: imported ONNX graph vs the registry's model (same weights) and vs ONNX Runtime";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        string onnx = Path.Combine(Fixtures, "squeezenet1_1.onnx"), pth = Path.Combine(Fixtures, "squeezenet1_1.pth");
        if (!File.Exists(onnx) || !File.Exists(pth))
        {
            Console.WriteLine($"  skipped: run from the repository root ({onnx} not found)");
            return;
        }
        using var registry = ModelImporter.Import(new ImportOptions { Source = pth, Architecture = ModelRegistry.SqueezeNet11, Preprocess = "imagenet" }).Model;
        using var imported = ModelImporter.Import(new ImportOptions { Source = onnx, Onnx = true, Preprocess = "imagenet" }).Model;
        var g = new torch.Generator(0);
        using var x = torch.rand([1, 3, 224, 224], generator: g);
        var times = new Dictionary<string, double>();
        foreach (var (label, model) in new[] { ("registry", registry), ("imported", imported) })
        {
            times[$"{label} forward"] = bench.Measure(Name, $"{label} forward", () =>
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                model.forward(x);
            }, unit: "images").MedianMs;
            var method = AttributionMethods.Create("gradient");
            using var target = BenchModels.Labels(model, x);
            times[$"{label} map"] = bench.Measure(Name, $"{label} gradient map", () =>
            {
                using var scope = torch.NewDisposeScope();
                method.Attribute(model, x, target);
            }, unit: "maps").MedianMs;
            using var clean = CleanReference.Compute(model, method, x);
            var attack = FragilityAttack.TopK(model, method, new AttackSettings { Epsilon = 8, Iterations = 1 });
            using var objective = new TopKObjective(clean.Maps, Fragility.Metrics.TopKIntersection.DefaultK(clean.Height, clean.Width));
            times[$"{label} step"] = bench.Measure(Name, $"{label} attack step (gradient of D)", () =>
            {
                using var scope = torch.NewDisposeScope();
                attack.ObjectiveGradient(clean.Inputs, clean.LabelTensor, objective);
            }, unit: "steps").MedianMs;
        }
        foreach (var what in new[] { "forward", "map", "step" })
            bench.Record(Name, $"imported / registry, {what}", times[$"imported {what}"] / times[$"registry {what}"], "ratio");

        // The graph alone (normalised input) against ONNX Runtime on the same input, same thread count.
        using var z = (x - 0.45) / 0.225;
        var network = imported.Network;
        double ours = bench.Measure(Name, "imported graph forward (normalised input)", () =>
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            network.forward(z);
        }, unit: "images").MedianMs;
        using var options = new SessionOptions { IntraOpNumThreads = torch.get_num_threads(), InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(z.contiguous().data<float>().ToArray(), [1, 3, 224, 224]);
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input) };
        double ort = bench.Measure(Name, "ONNX Runtime forward", () =>
        {
            using var results = session.Run(inputs);
        }, unit: "images").MedianMs;
        bench.Record(Name, "imported graph / ONNX Runtime, forward", ours / ort, "ratio");
    }
}
