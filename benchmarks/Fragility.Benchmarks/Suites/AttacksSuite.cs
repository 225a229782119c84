using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>Attack steps per second for each method (issue 4), the IG step with the paper's and the cheap criterion
/// (issue 18), and native memory after 300 steps against after 10.</summary>
public sealed class AttacksSuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "attacks";

    /// <inheritdoc />
    public string Description => "top-k attack steps per second per method (small-cnn batch 1/64; squeezenet1_1 batch 1/8), IG step with paper vs cheap criterion (ratio), memory growth over 300 steps";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        string[] methods = ["gradient", "ig", "deeplift", "lrp"];
        using (var small = BenchModels.SmallCnn())
        {
            Criterion(bench, small, bench.Quick ? 4 : 16, steps: bench.Quick ? 5 : 30);
            foreach (int batch in new[] { 1, 64 })
                Measure(bench, small, "small-cnn", BenchModels.SmallInputs(batch), methods, steps: 10);
            Memory(bench, small);
        }
        using var squeeze = BenchModels.SqueezeNet();
        foreach (int batch in bench.Quick ? new[] { 1 } : new[] { 1, 8 })
            Measure(bench, squeeze, "squeezenet1_1", BenchModels.SqueezeInputs(batch), bench.Quick ? ["gradient"] : methods, steps: 3);
    }

    private static AttributionOptions Options(Classifier model) => new()
    {
        // The sweep's defaults: the criterion uses 100 IG points, the attack's gradient 20.
        Reference = References.Create(model, "channel-mean"), IgSteps = 100,
    };

    private void Measure(Bench bench, Classifier model, string modelName, Tensor x, string[] methods, int steps)
    {
        using var _ = x;
        int n = (int)x.shape[0];
        foreach (var name in methods)
        {
            var eval = AttributionMethods.Create(name, Options(model));
            var gradient = name == "ig" ? AttributionMethods.Create(name, Options(model) with { IgSteps = 20 }) : eval;
            using var clean = CleanReference.Compute(model, eval, x);
            var attack = FragilityAttack.TopK(model, eval, new AttackSettings { Epsilon = 8, Iterations = steps }, gradient);
            bench.Measure(Name, $"{modelName} batch {n} {name} (step incl. criterion)", () =>
            {
                using var r = attack.Run(clean);
            }, unitsPerRun: steps, unit: "steps");
            // The gradient of D alone (double backward on the smooth twin), without the criterion's map.
            using var objective = new TopKObjective(clean.Maps, Fragility.Metrics.TopKIntersection.DefaultK(clean.Height, clean.Width));
            bench.Measure(Name, $"{modelName} batch {n} {name} (gradient of D only)", () =>
            {
                using var scope = torch.NewDisposeScope();
                attack.ObjectiveGradient(clean.Inputs, clean.LabelTensor, objective);
            }, unitsPerRun: 1, unit: "steps");
        }
    }

    /// <summary>
    /// Before/after pair of issue 18 in one run: the IG top-k attack step with the paper's criterion (the iterates
    /// scored with the evaluation map, 100 right-Riemann points) against the cheap criterion
    /// (<see cref="CriterionQuadrature.Default"/>). The cheap run includes its fixed extra work, one clean map of the
    /// criterion and one recomputed evaluation map per run, which <paramref name="steps"/> steps amortise less than
    /// the sweep's 300 do (30 steps, the demo's budget, by default).
    /// </summary>
    private void Criterion(Bench bench, Classifier model, int batch, int steps)
    {
        using var x = BenchModels.SmallInputs(batch);
        var eval = AttributionMethods.Create("ig", Options(model));
        var gradient = AttributionMethods.Create("ig", Options(model) with { IgSteps = 20 });
        var cheap = CriterionQuadrature.Default.MethodFor(eval)!;
        using var clean = CleanReference.Compute(model, eval, x);
        var settings = new AttackSettings { Epsilon = 8, Iterations = steps };
        var paper = FragilityAttack.TopK(model, eval, settings, gradient);
        var fast = FragilityAttack.TopK(model, eval, settings, gradient, cheap);
        var before = bench.Measure(Name, $"small-cnn batch {batch} ig step, paper criterion (riemann_right:100)", () =>
        {
            using var r = paper.Run(clean);
        }, unitsPerRun: steps, unit: "steps");
        var after = bench.Measure(Name, $"small-cnn batch {batch} ig step, criterion {CriterionQuadrature.Default}", () =>
        {
            using var r = fast.Run(clean);
        }, unitsPerRun: steps, unit: "steps");
        bench.Record(Name, $"small-cnn batch {batch} ig step: paper / cheap criterion time", before.MedianMs / after.MedianMs, "x",
            $"same machine, same run, {steps} steps per run");
    }

    private void Memory(Bench bench, Classifier model)
    {
        using var x = BenchModels.SmallInputs(16);
        var method = AttributionMethods.Create("gradient");
        using var clean = CleanReference.Compute(model, method, x);
        using (FragilityAttack.TopK(model, method, new AttackSettings { Iterations = 10 }).Run(clean)) { }
        double after10 = BenchModels.ResidentMegabytes();
        using (FragilityAttack.TopK(model, method, new AttackSettings { Iterations = 300 }).Run(clean)) { }
        double after300 = BenchModels.ResidentMegabytes();
        bench.Record(Name, "small-cnn batch 16 gradient: resident memory after 10 steps", after10, "MB");
        bench.Record(Name, "small-cnn batch 16 gradient: resident memory after 300 steps", after300, "MB",
            $"growth {after300 - after10:F1} MB");
    }
}
