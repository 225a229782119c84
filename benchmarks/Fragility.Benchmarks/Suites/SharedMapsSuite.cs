using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Issue 18 item 2, before/after in one run: the top-k attack step of the methods attacked through the ReLU network
/// (DeepLIFT, LRP) with the criterion's map made again for each iterate (before) and taken from the gradient's pass
/// (after, <see cref="FragilityAttack.ShareMaps"/>); the results are the same bit for bit (SharedMapsTests).
/// </summary>
public sealed class SharedMapsSuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "shared-maps";

    /// <inheritdoc />
    public string Description => "DeepLIFT and LRP top-k steps with the criterion's map made again vs taken from the gradient's pass (small-cnn batch 16, squeezenet1_1 batch 1), ratio";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        using (var small = BenchModels.SmallCnn())
            Compare(bench, small, "small-cnn", BenchModels.SmallInputs(16), steps: bench.Quick ? 5 : 30);
        using var squeeze = BenchModels.SqueezeNet();
        Compare(bench, squeeze, "squeezenet1_1", BenchModels.SqueezeInputs(1), steps: bench.Quick ? 2 : 5);
    }

    private void Compare(Bench bench, Classifier model, string modelName, Tensor x, int steps)
    {
        using var _ = x;
        int n = (int)x.shape[0];
        foreach (string name in new[] { "deeplift", "lrp" })
        {
            var method = AttributionMethods.Create(name, new AttributionOptions { Reference = References.Create(model, "channel-mean") });
            using var clean = CleanReference.Compute(model, method, x);
            var settings = new AttackSettings { Epsilon = 8, Iterations = steps };
            FragilityAttack Attack(bool share) =>
                new(AttackNames.TopK, model, method, c => new TopKObjective(c.Maps, settings.ResolveK(c.Height, c.Width)), settings) { ShareMaps = share };
            var unshared = Attack(false);
            var shared = Attack(true);
            var before = bench.Measure(Name, $"{modelName} batch {n} {name} step, criterion map made again", () =>
            {
                using var r = unshared.Run(clean);
            }, unitsPerRun: steps, unit: "steps");
            var after = bench.Measure(Name, $"{modelName} batch {n} {name} step, criterion map from the gradient's pass", () =>
            {
                using var r = shared.Run(clean);
            }, unitsPerRun: steps, unit: "steps");
            bench.Record(Name, $"{modelName} batch {n} {name} step: before / after time", before.MedianMs / after.MedianMs, "x",
                $"same machine, same run, {steps} steps per run");
        }
    }
}
