using System.Globalization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using Fragility.Experiments;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Issue 18 item 3, why the paper's grid on 1000 images does not fit in an hour on two cores: one attack step of a
/// sweep batch (shipped small-cnn, 16 images, the sweep's defaults: IG maps with 100 path points, 20 in the attack's
/// gradient, the 48-point criterion) taken apart into the work no saving can remove, the two maps every step needs
/// (the gradient of D through the map, and the criterion's map of the iterate), and the whole step; then each priced
/// for the grid's iterative cells of 1000 images (2 attacks x 4 epsilons x 300 steps) on the sweep's two one-thread
/// workers. The maps alone are a floor for the sweep's default settings (the paper's own 100-point criterion costs
/// more): only fewer path points, fewer iterates scored, or faster hardware go below it. The pricing assumes two
/// workers run as fast as one (each has a core) and prices the last, partial batch as a full one.
/// </summary>
public sealed class GridFloorSuite : IBenchmarkSuite
{
    private const int Images = 1000, Attacks = 2, Epsilons = 4, Iterations = 300, Workers = 2;

    /// <inheritdoc />
    public string Name => "grid-floor";

    /// <inheritdoc />
    public string Description => "one sweep-batch attack step per method taken apart (gradient of D, criterion map, whole step) and priced for the paper's grid of 1000 images on two workers";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        var sweep = new SweepSettings();
        using var model = BenchModels.SmallCnn();
        using var x = BenchModels.SmallInputs(sweep.BatchSize);
        int steps = bench.Quick ? 2 : 10;
        double batchSteps = Math.Ceiling((double)Images / sweep.BatchSize) * Attacks * Epsilons * Iterations;
        foreach (var name in new[] { "ig", "gradient", "deeplift" })
        {
            var options = new AttributionOptions { Reference = References.Create(model), IgSteps = sweep.IgSteps };
            var evaluation = AttributionMethods.Create(name, options);
            var gradient = name == "ig" ? AttributionMethods.Create(name, options with { IgSteps = sweep.AttackSteps }) : evaluation;
            var criterion = sweep.CriterionIg?.MethodFor(evaluation) ?? evaluation;
            using var clean = CleanReference.Compute(model, evaluation, x);
            var settings = new AttackSettings { Iterations = steps };
            FragilityAttack Attack(int iterations) => FragilityAttack.TopK(model, evaluation, settings with { Iterations = iterations }, gradient,
                ReferenceEquals(criterion, evaluation) ? null : criterion);
            string what = $"small-cnn batch {sweep.BatchSize} {name}";
            // A step's cost without the run's fixed work (clean criterion maps, the returned iterate's map): runs of
            // P and 2P steps, the difference over P.
            var runs = new[] { steps, 2 * steps }.Select(p =>
            {
                var a = Attack(p);
                return bench.Measure(Name, $"{what}: top-k attack run of {p} steps", () =>
                {
                    using var r = a.Run(clean);
                }, unitsPerRun: p, unit: "steps");
            }).ToArray();
            double stepMs = (runs[1].MedianMs - runs[0].MedianMs) / steps;
            using var objective = new TopKObjective(clean.Maps, settings.ResolveK(clean.Height, clean.Width));
            // As a run makes it: DeepLIFT's reference pass recorded once and replayed (FragilityAttack.ReuseReferencePass).
            using var tape = new ReferenceTape();
            var runGradient = gradient is IReferencePropagation propagation ? propagation.WithTape(tape) : gradient;
            var gradientOnly = FragilityAttack.TopK(model, evaluation, settings, runGradient);
            var dGradient = bench.Measure(Name, $"{what}: gradient of D only", () =>
            {
                using var scope = torch.NewDisposeScope();
                gradientOnly.ObjectiveGradient(clean.Inputs, clean.LabelTensor, objective);
            }, unitsPerRun: 1, unit: "steps");
            var criterionMap = bench.Measure(Name, $"{what}: criterion map only ({criterion.Description})", () =>
            {
                using var scope = torch.NewDisposeScope();
                using var relu = model.UseRelu();
                criterion.Attribute(model, clean.Inputs, clean.LabelTensor);
            }, unitsPerRun: 1, unit: "steps");
            // DeepLIFT's criterion map comes from the gradient's own pass (FragilityAttack.ShareMaps): not counted twice.
            bool shared = !gradient.NeedsSmoothTwinForAttack;
            double mapsMs = dGradient.MedianMs + (shared ? 0 : criterionMap.MedianMs);
            double Hours(double msPerStep) => batchSteps * msPerStep / Workers / 3.6e6;
            string grid = string.Create(CultureInfo.InvariantCulture, $"{batchSteps:F0} batch steps on {Workers} workers");
            bench.Record(Name, $"{name}: one step (difference of the two runs over {steps} steps)", stepMs, "ms");
            bench.Record(Name, $"{name}: share of the step in its maps ({(shared ? "gradient of D, which makes the criterion map" : "gradient of D + criterion map")})",
                mapsMs / stepMs, "x");
            bench.Record(Name, $"{name} cells of {Images} images, the maps alone", Hours(mapsMs), "h", grid);
            bench.Record(Name, $"{name} cells of {Images} images, whole steps", Hours(stepMs), "h", grid);
        }
    }
}
