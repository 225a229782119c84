using System.Diagnostics;
using Fragility.Attacks;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;

namespace Fragility.Experiments;

/// <summary>
/// How long a sweep will take, from a short calibration before it starts: each method's clean maps, one random-sign
/// cell and a two-iteration attack are timed on one batch (after a one-image warm-up, so that JIT compilation and
/// first-call set-up are not counted), then scaled to the grid (cells of the same kind cost
/// about the same, while kinds differ by two orders of magnitude, so each is timed on its own). An upper-side
/// estimate: an attack whose iterate stops moving ends early.
/// </summary>
/// <param name="Seconds">Estimated wall-clock seconds for the whole grid.</param>
/// <param name="CalibrationImages">Images the calibration ran on.</param>
/// <param name="CalibrationSeconds">What the calibration itself took.</param>
/// <param name="SecondsPerAttackStep">Per method: seconds of one attack iteration on one image.</param>
/// <param name="FixedSecondsPerImage">Per image: the part that does not grow with the iterations (clean maps, random draws).</param>
/// <param name="SecondsPerIterationPerImage">Per image and attack iteration, over every method, attack and epsilon:
/// <see cref="Seconds"/> = images x (<paramref name="FixedSecondsPerImage"/> + iterations x this).</param>
/// <param name="PerMethod">The same two costs per method (they add up to the totals), so that a caller can price a
/// grid without some methods.</param>
public sealed record SweepEstimate(double Seconds, int CalibrationImages, double CalibrationSeconds, IReadOnlyDictionary<string, double> SecondsPerAttackStep,
    double FixedSecondsPerImage, double SecondsPerIterationPerImage, IReadOnlyDictionary<string, (double Fixed, double PerIteration)> PerMethod)
{
    /// <summary>Most images the calibration runs on (one batch, up to this many); the estimate scales linearly from
    /// there. A whole batch, because per-image cost falls with batch size.</summary>
    public const int MaxCalibrationImages = 32;

    /// <summary>Times the kinds of work of a sweep of <paramref name="images"/> images on the first inputs and scales them up.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="inputs">The sweep's inputs (at least one).</param>
    /// <param name="settings">The sweep's settings.</param>
    /// <param name="methods">Makes the attribution methods by name.</param>
    /// <param name="images">Images the run will attack (all, or a shard's).</param>
    /// <param name="calibrationImages">Most images the calibration runs on (default <see cref="MaxCalibrationImages"/>);
    /// fewer than the batch size gives an upper-side estimate, as per-image cost falls with batch size.</param>
    /// <param name="progress">Receives "calibration" updates: methods timed of all methods (a calibration on 224x224
    /// images takes tens of seconds).</param>
    public static SweepEstimate Measure(Classifier model, SelectedInputs inputs, SweepSettings settings, SweepMethodFactory methods, int images,
        int calibrationImages = MaxCalibrationImages, IProgress<ProgressUpdate>? progress = null)
    {
        var total = Stopwatch.StartNew();
        int n = Math.Min(Math.Min(Math.Min(MaxCalibrationImages, calibrationImages), settings.BatchSize), inputs.Count);
        double epsilon = settings.Epsilons.Max();
        // Two timed iterations average out a slow first one; on a single (large) image one is enough and halves the cost.
        int timedIterations = n == 1 ? 1 : 2;
        var attackSettings = settings.AttackSettingsFor(epsilon) with { Iterations = timedIterations };
        var attacks = settings.Attacks.Select(AttackNames.Canonical).ToArray();
        var perStep = new Dictionary<string, double>();
        var perMethod = new Dictionary<string, (double Fixed, double PerIteration)>();
        using var batch = inputs.Images.Images.narrow(0, 0, n);
        using var one = inputs.Images.Images.narrow(0, 0, 1);
        foreach (string name in settings.Methods)
        {
            progress?.Report(new ProgressUpdate("calibration", perMethod.Count, settings.Methods.Count, $"timing {name}"));
            var (evaluation, gradient) = settings.MethodsFor(name, methods);
            // On a single large image compute dominates first-call set-up: only the first method warms up, halving the cost.
            if (n > 1 || name == settings.Methods[0])
                using (var warm = CleanReference.Compute(model, evaluation, one))
                    Time(AttackFactory.Create(attacks.FirstOrDefault(a => a is not AttackNames.Random) ?? AttackNames.Random, model, evaluation,
                        attackSettings with { Iterations = 1 }, gradient, settings.Target, settings.CriterionFor(evaluation)), warm);
            var clock = Stopwatch.StartNew();
            using var clean = CleanReference.Compute(model, evaluation, batch);
            double cleanSeconds = clock.Elapsed.TotalSeconds;
            double randomSeconds = 0, stepSeconds = 0;
            if (attacks.Contains(AttackNames.Random))
                randomSeconds = Time(AttackFactory.Create(AttackNames.Random, model, evaluation, attackSettings, gradient), clean);
            var iterative = attacks.FirstOrDefault(a => a is not AttackNames.Random);
            if (iterative is not null)
                stepSeconds = Time(AttackFactory.Create(iterative, model, evaluation, attackSettings, gradient, settings.Target, settings.CriterionFor(evaluation)), clean) / timedIterations;
            perStep[name] = stepSeconds / n;
            // Per image: the clean maps once, then every attack x epsilon cell.
            double fixedCost = cleanSeconds / n, iterationCost = 0;
            foreach (string attack in attacks)
            {
                if (attack is AttackNames.Random) fixedCost += randomSeconds * settings.Epsilons.Count / n;
                // A walk step is one map, not a double backward.
                else iterationCost += stepSeconds * (attack is AttackNames.RandomWalk ? 0.5 : 1) * settings.Epsilons.Count / n;
            }
            perMethod[name] = (fixedCost, iterationCost);
        }
        progress?.Report(new ProgressUpdate("calibration", perMethod.Count, settings.Methods.Count));
        double fixedPerImage = perMethod.Values.Sum(c => c.Fixed), perIteration = perMethod.Values.Sum(c => c.PerIteration);
        return new SweepEstimate((fixedPerImage + settings.Iterations * perIteration) * images, n, total.Elapsed.TotalSeconds, perStep,
            fixedPerImage, perIteration, perMethod);
    }

    private static double Time(IMapAttack attack, CleanReference clean)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        using var result = attack.Run(clean);
        return clock.Elapsed.TotalSeconds;
    }
}
