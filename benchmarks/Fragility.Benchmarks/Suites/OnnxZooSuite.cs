using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>Imported ONNX graphs (issue 16): forward, gradient map and one top-k attack step (double backward on the
/// smooth twin) at batch 1, for every *.onnx in the folder named by FRAGILITY_ONNX_DIR (e.g. torchvision models
/// exported at 224x224 with random weights; nothing is downloaded here).</summary>
public sealed class OnnxZooSuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "onnx-zoo";

    /// <inheritdoc />
    public string Description => "imported ONNX graphs in $FRAGILITY_ONNX_DIR: forward, gradient map, attack step (batch 1)";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        string? dir = Environment.GetEnvironmentVariable("FRAGILITY_ONNX_DIR");
        if (dir is null || !Directory.Exists(dir))
        {
            Console.WriteLine("  skipped: set FRAGILITY_ONNX_DIR to a folder of .onnx classifiers");
            return;
        }
        foreach (var file in Directory.GetFiles(dir, "*.onnx").Order())
        {
            string name = Path.GetFileNameWithoutExtension(file);
            using var net = OnnxNetwork.Load(file);
            var shape = net.InputShape;
            long classes = net.OutputClasses;
            using var model = new Classifier(net, new ModelMetadata
            {
                Architecture = OnnxNetwork.ArchitectureName,
                Preprocessing = shape[2] == 224 && shape[3] == 224 ? Preprocessing.ImageNet : Preprocessing.Plain((int)shape[1], (int)shape[2], (int)shape[3]),
                ClassNames = Enumerable.Range(0, (int)classes).Select(i => $"class {i}").ToArray(),
            });
            var g = new torch.Generator(0);
            using var x = torch.rand([1, shape[1], shape[2], shape[3]], generator: g);
            bench.Measure(Name, $"{name} forward", () =>
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                model.forward(x);
            }, unit: "images");
            var method = AttributionMethods.Create("gradient");
            using var target = BenchModels.Labels(model, x);
            bench.Measure(Name, $"{name} gradient map", () =>
            {
                using var scope = torch.NewDisposeScope();
                method.Attribute(model, x, target);
            }, unit: "maps");
            using var clean = CleanReference.Compute(model, method, x);
            var attack = FragilityAttack.TopK(model, method, new AttackSettings { Epsilon = 8, Iterations = 1 });
            using var objective = new TopKObjective(clean.Maps, Fragility.Metrics.TopKIntersection.DefaultK(clean.Height, clean.Width));
            bench.Measure(Name, $"{name} attack step (gradient of D)", () =>
            {
                using var scope = torch.NewDisposeScope();
                attack.ObjectiveGradient(clean.Inputs, clean.LabelTensor, objective);
            }, unit: "steps", note: () => net.SmoothTwinSummary);
        }
    }
}
