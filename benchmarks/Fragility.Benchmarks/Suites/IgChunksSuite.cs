using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Issue 18 item 2, a saving looked for and not found: the integrated-gradients top-k attack step (20 path points in
/// the attack gradient, the 48-point criterion) with path points evaluated 32 per pass, the default, against larger
/// passes. Fewer, larger passes would only help if per-pass overhead mattered; the ratios show the step is bound by
/// arithmetic, so the default stays.
/// </summary>
public sealed class IgChunksSuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "ig-chunks";

    /// <inheritdoc />
    public string Description => "integrated-gradients top-k steps with 32 path points per pass vs larger passes (small-cnn batch 16, squeezenet1_1 batch 2), ratio";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        using (var small = BenchModels.SmallCnn())
            Compare(bench, small, "small-cnn", BenchModels.SmallInputs(16), steps: bench.Quick ? 3 : 10, [32, 128, 512, 1024]);
        using var squeeze = BenchModels.SqueezeNet();
        Compare(bench, squeeze, "squeezenet1_1", BenchModels.SqueezeInputs(2), steps: bench.Quick ? 1 : 2, [32, 64]);
    }

    private void Compare(Bench bench, Classifier model, string modelName, Tensor x, int steps, int[] chunks)
    {
        using var _ = x;
        int n = (int)x.shape[0];
        double first = double.NaN;
        foreach (int chunk in chunks)
        {
            var evaluation = new IntegratedGradients(100, IntegrationRule.RiemannRight, References.Create(model, "channel-mean"), chunk);
            var gradient = evaluation.WithPoints(IntegrationRule.RiemannRight, 20);
            var criterion = evaluation.WithPoints(IntegrationRule.RiemannMiddle, 48);
            using var clean = CleanReference.Compute(model, evaluation, x);
            var attack = FragilityAttack.TopK(model, evaluation, new AttackSettings { Epsilon = 8, Iterations = steps }, gradient, criterion);
            var r = bench.Measure(Name, $"{modelName} batch {n} ig step, {chunk} path points per pass", () =>
            {
                using var result = attack.Run(clean);
            }, unitsPerRun: steps, unit: "steps");
            if (double.IsNaN(first)) first = r.MedianMs;
            else bench.Record(Name, $"{modelName} batch {n} ig step: {chunks[0]} / {chunk} points per pass time", first / r.MedianMs, "x", $"same run, {steps} steps per run");
        }
    }
}
