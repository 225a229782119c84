using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Influence;
using Fragility.Models;
using Fragility.Runtime;
using MathNet.Numerics.LinearAlgebra;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary>
/// <c>fragility influence</c>: exemplar explanations by influence functions (Koh and Liang 2017) of a logistic-regression
/// head on the frozen network's penultimate features: the most helpful and most harmful training images per test point,
/// the full influence vectors, and optionally a leave-one-out check of the approximation.
/// </summary>
public sealed class InfluenceCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 40;

    /// <inheritdoc />
    public Command Build()
    {
        var task = new TaskOptions();
        var tests = new Option<string[]>("--test")
        {
            Description = "Explain these test images instead of the default selection: INDEX (test split of --dataset, file order) or NAME:INDEX " +
                          "(test split of data set NAME, e.g. sample:3); repeat or separate by commas. An image whose class is not one of --classes is explained for the head's prediction.",
            AllowMultipleArgumentsPerToken = true,
        };
        var top = new Option<int>("--top") { Description = "Most helpful and most harmful training points listed and drawn per test point.", DefaultValueFactory = _ => 5 };
        var galleries = new Option<int>("--galleries") { Description = "Write a gallery PNG for the first N test points (default: all).", DefaultValueFactory = _ => int.MaxValue };
        var loo = new Option<bool>("--validate-loo")
        {
            Description = "Instead of explaining, check the approximation: for --loo-tests test points remove each of their --loo-points most helpful and most harmful " +
                          "training points, retrain the head to convergence, and compare the actual test-loss change with -(1/n) I. Writes loo.csv and prints Pearson's r per lambda.",
        };
        var looTests = new Option<int>("--loo-tests") { Description = "Test points in the leave-one-out check.", DefaultValueFactory = _ => 5 };
        var looPoints = new Option<int>("--loo-points") { Description = "Training points removed per test point (half most helpful, half most harmful).", DefaultValueFactory = _ => 40 };
        var looL2 = new Option<string?>("--loo-l2") { Description = "Comma-separated lambdas for the leave-one-out check (default: --l2), to see how weaker regularisation worsens the approximation." };
        var output = CommonOptions.Out("influence-out");
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var cmd = new Command("influence",
            "Influence functions (Koh & Liang 2017) on a frozen network: a logistic-regression head (softmax for more classes) on phi(x) = the input of the model's last linear layer, " +
            "trained by Newton's method in float64 on mean cross-entropy + (lambda/2)||w||^2. I(z_i, z_t) = -grad L(z_t)^T H^-1 grad L(z_i): a training point is HELPFUL when I < 0 " +
            "(up-weighting it lowers the test loss) and HARMFUL when I > 0; removing z_i changes the test loss by about -(1/n) I. Writes head.json, influence.jsonl (one line per test point), " +
            "influence.npy [tests x training points] and gallery/*.png (test image, then the most helpful in green and most harmful in red, with their I).")
        {
            tests, top, galleries, loo, looTests, looPoints, looL2, output, threads, device,
        };
        task.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads), pr.GetValue(device));
            string outDir = pr.GetValue(output)!;
            int k = pr.GetValue(top);
            if (k < 1) throw new FragilityException($"--top must be at least 1, got {k}.");
            using var loaded = task.Load(pr);
            var setup = loaded.Setup;
            PrintHead(setup);
            var points = pr.GetValue(tests) is { Length: > 0 } specs ? TestPoints(specs, loaded, pr.GetValue(task.Dataset)!, pr.GetValue(task.Data)) : setup.DefaultTestPoints();
            Directory.CreateDirectory(outDir);
            if (pr.GetValue(loo))
                return ValidateLeaveOneOut(setup, points, pr.GetValue(looTests), pr.GetValue(looPoints), pr.GetValue(looL2), outDir);
            var explanations = ConsoleProgress.Run("influence", p => InfluenceOutputs.WriteExplanations(setup, points, outDir, pr.GetValue(task.Model), k, pr.GetValue(galleries), p));
            CheckAgainstExact(setup, points, explanations);
            foreach (var (point, e) in points.Zip(explanations).Take(5))
                AnsiConsole.MarkupLine(Markup.Escape($"{point.Id} ({setup.ClassNames[point.Label]}, p = {e.Probabilities[point.Label]:F3}): most helpful " +
                    string.Join(", ", e.Helpful.Take(3).Select(i => $"#{setup.TrainIndices[i]} {setup.ClassNames[setup.TrainLabels[i]]} I={e.Influence[i]:G3}")) +
                    "; most harmful " + string.Join(", ", e.Harmful.Take(3).Select(i => $"#{setup.TrainIndices[i]} {setup.ClassNames[setup.TrainLabels[i]]} I={e.Influence[i]:G3}"))));
            AnsiConsole.MarkupLine($"Explained {points.Count} test points. Wrote [green]{Markup.Escape(outDir)}[/]: head.json, influence.jsonl, influence.npy, gallery/.");
            return 0;
        }));
        return cmd;
    }

    private static void PrintHead(InfluenceSetup setup)
    {
        var s = setup.Settings;
        AnsiConsole.MarkupLine(Markup.Escape(
            $"Head: {(setup.Head.Outputs == 1 ? "logistic regression" : "softmax regression")} on phi = input of {setup.Features.LastLayerName} ({setup.Features.Dimension} features), " +
            $"classes {string.Join(" (0) vs ", setup.ClassNames)}{(setup.ClassNames.Count == 2 ? " (1)" : "")}, {setup.TrainingCount} training images, lambda {s.L2.ToString(CultureInfo.InvariantCulture)}, " +
            $"Newton {setup.Training.Iterations} steps (|grad| {setup.Training.GradientNorm:G2}), solver {setup.Influence.Solver.Name}."));
        AnsiConsole.MarkupLine(Markup.Escape($"Train accuracy {setup.TrainAccuracy:P2}; test accuracy {setup.TestAccuracy:P2} on {setup.TestImageCount} test images of these classes."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train_accuracy {setup.TrainAccuracy:F4} test_accuracy {setup.TestAccuracy:F4}"));
    }

    private static int ValidateLeaveOneOut(InfluenceSetup setup, IReadOnlyList<InfluenceTestPoint> points, int tests, int perTest, string? lambdas, string outDir)
    {
        if (tests < 1) throw new FragilityException($"--loo-tests must be at least 1, got {tests}.");
        if (perTest < 2 || perTest % 2 != 0) throw new FragilityException($"--loo-points must be an even number of at least 2 (half most helpful, half most harmful), got {perTest}.");
        var chosen = points.Take(tests).ToList();
        var features = Matrix<double>.Build.DenseOfRowArrays(chosen.Select(p => p.Features));
        var labels = chosen.Select(p => p.Label).ToArray();
        var l2s = lambdas is null ? [setup.Settings.L2] : TaskOptions.ParseList(lambdas, "--loo-l2");
        var results = new List<LeaveOneOutResult>();
        var table = new Table().Title("Leave-one-out: actual vs predicted (-(1/n) I) test-loss change")
            .AddColumn("lambda").AddColumn("train acc").AddColumn("pairs").AddColumn("retrained").AddColumn("worst |grad|").AddColumn("Pearson r").AddColumn("per-test r (min..max)");
        foreach (var l2 in l2s)
        {
            var influence = setup.Influence;
            if (l2 != setup.Settings.L2)
            {
                var objective = setup.Objective.WithL2(l2);
                var fit = NewtonTrainer.Minimize(objective, setup.Influence.Parameters, setup.Settings.Newton);
                if (!fit.Converged) throw new FragilityException($"Newton's method did not converge for lambda {l2}: use larger values in --loo-l2.");
                influence = new InfluenceFunctions(objective, fit.Parameters, InfluenceSetup.CreateSolver(objective, fit.Parameters, setup.Settings));
            }
            var result = ConsoleProgress.Run("loo", p => LeaveOneOutValidation.Run(influence, features, labels, perTest / 2, null, p));
            results.Add(result);
            var per = result.PerTestPearson.Where(double.IsFinite).ToList();
            double acc = influence.Head.Accuracy(Matrix<double>.Build.DenseOfRowArrays(Enumerable.Range(0, setup.TrainingCount).Select(i => setup.Objective.FeatureRow(i).ToArray())), setup.TrainLabels);
            table.AddRow(l2.ToString("G4", CultureInfo.InvariantCulture), $"{acc:P1}", result.Rows.Count.ToString(CultureInfo.InvariantCulture), result.Retrainings.ToString(CultureInfo.InvariantCulture),
                result.WorstGradientNorm.ToString("G2", CultureInfo.InvariantCulture), result.Pearson.ToString("F4", CultureInfo.InvariantCulture), per.Count == 0 ? "-" : $"{per.Min():F3}..{per.Max():F3}");
        }
        InfluenceOutputs.WriteLeaveOneOut(results, chosen, setup.TrainIndices, Path.Combine(outDir, "loo.csv"));
        AnsiConsole.Write(table);
        foreach (var r in results) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loo_pearson l2={r.L2:G4} r={r.Pearson:F4}"));
        AnsiConsole.MarkupLine($"Wrote [green]{Markup.Escape(Path.Combine(outDir, "loo.csv"))}[/].");
        return 0;
    }

    private static void CheckAgainstExact(InfluenceSetup setup, IReadOnlyList<InfluenceTestPoint> points, IReadOnlyList<InfluenceExplanation> explanations)
    {
        if (setup.Influence.Solver is ExactInverseHessian || setup.Head.ParameterCount > setup.Settings.ExactHessianLimit) return;
        var exact = new InfluenceFunctions(setup.Objective, setup.Influence.Parameters, new ExactInverseHessian(setup.Objective, setup.Influence.Parameters));
        double worst = 0, minSpearman = 1;
        for (int t = 0; t < points.Count; t++)
        {
            var truth = exact.Influence(points[t].Features, points[t].Label);
            double norm = Math.Sqrt(truth.Sum(v => v * v));
            double err = Math.Sqrt(truth.Zip(explanations[t].Influence, (a, b) => (a - b) * (a - b)).Sum());
            worst = Math.Max(worst, norm == 0 ? err : err / norm);
            minSpearman = Math.Min(minSpearman, InfluenceAttack.Spearman(truth, explanations[t].Influence));
        }
        Console.WriteLine($"Check against the exact solve: largest relative error {worst:G3}, smallest Spearman {minSpearman:F4} over {points.Count} test points.");
    }

    private static IReadOnlyList<InfluenceTestPoint> TestPoints(string[] specs, LoadedInfluence loaded, string dataset, string? dataDir)
    {
        var result = new List<InfluenceTestPoint>();
        var others = new Dictionary<string, ImageDataset>(StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var spec in specs.SelectMany(s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
            {
                int colon = spec.LastIndexOf(':');
                string name = colon < 0 ? dataset : spec[..colon];
                string indexText = colon < 0 ? spec : spec[(colon + 1)..];
                if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                    throw new FragilityException($"--test '{spec}' is not INDEX or NAME:INDEX (e.g. 17 or sample:3).");
                ImageDataset data;
                if (name.Equals(dataset, StringComparison.OrdinalIgnoreCase)) data = loaded.Test;
                else if (!others.TryGetValue(name, out data!))
                    others[name] = data = CliData.LoadForModel(loaded.Setup.Model, name, DatasetSplit.Test, null);
                if (index >= data.Count)
                    throw new FragilityException($"--test '{spec}': the test split of '{name}' has {data.Count} images (indices 0..{data.Count - 1}).");
                using var image = data.Images[index];
                result.Add(loaded.Setup.TestPoint(image, colon < 0 ? $"test:{index}" : $"{name}:{index}", index, data.Labels[index]));
            }
        }
        finally
        {
            foreach (var d in others.Values) d.Dispose();
        }
        return result;
    }

    /// <summary>A built influence setup with the data it was built from (all disposed together).</summary>
    internal sealed class LoadedInfluence(Classifier model, ImageDataset train, ImageDataset test, InfluenceSetup setup) : IDisposable
    {
        public Classifier Model { get; } = model;
        public ImageDataset Train { get; } = train;
        public ImageDataset Test { get; } = test;
        public InfluenceSetup Setup { get; } = setup;

        public void Dispose()
        {
            Setup.Dispose();
            Train.Dispose();
            Test.Dispose();
            Model.Dispose();
        }
    }

    /// <summary>The options that fix the influence experiment, shared by <c>influence</c> and <c>influence-attack</c>.</summary>
    internal sealed class TaskOptions
    {
        public Option<string?> Model { get; } = CommonOptions.Model();
        public Option<string> Dataset { get; } = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        public Option<string?> Data { get; } = CommonOptions.Data();
        public Option<string> Classes { get; } = new("--classes")
        {
            Description = "Classes of the task, comma-separated names or indices; the first is label 0, the second label 1. 'all' takes every class (softmax head; use --solver cg or lissa when it is large).",
            DefaultValueFactory = _ => InfluenceSettings.DefaultClasses,
        };
        public Option<int> TrainPerClass { get; } = new("--train-per-class") { Description = "Head training set: the first N training images of each class in file order.", DefaultValueFactory = _ => 500 };
        public Option<int> Tests { get; } = new("--tests") { Description = "Test points: the first M test images of the classes in file order that the head classifies correctly.", DefaultValueFactory = _ => 100 };
        public Option<double> L2 { get; } = new("--l2") { Description = "lambda of the head's objective: mean cross-entropy + (lambda/2)||w||^2 (bias not regularised).", DefaultValueFactory = _ => 0.1 };
        public Option<string> Solver { get; } = new("--solver")
        {
            Description = "Inverse-Hessian-vector products: exact (dense Hessian, Cholesky), cg (conjugate gradient on Hessian-vector products) or lissa (Agarwal et al. 2017). The influence command checks cg and lissa against exact when the head is small enough (up to 5000 parameters).",
            DefaultValueFactory = _ => "exact",
        };
        public Option<double> CgTolerance { get; } = new("--cg-tolerance") { Description = "CG: stop at this relative residual.", DefaultValueFactory = _ => 1e-10 };
        public Option<int> LissaDepth { get; } = new("--lissa-depth") { Description = "LiSSA: recursion depth.", DefaultValueFactory = _ => 5000 };
        public Option<double?> LissaScale { get; } = new("--lissa-scale") { Description = "LiSSA: scale (must exceed the Hessian's largest eigenvalue; default 1.05 x a power-iteration estimate)." };
        public Option<int?> LissaBatch { get; } = new("--lissa-batch") { Description = "LiSSA: training points per Hessian-vector product (default all: deterministic)." };
        public Option<int> LissaRepeats { get; } = new("--lissa-repeats") { Description = "LiSSA: independent recursions averaged.", DefaultValueFactory = _ => 1 };

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { Model, Dataset, Data, Classes, TrainPerClass, Tests, L2, Solver, CgTolerance, LissaDepth, LissaScale, LissaBatch, LissaRepeats })
                command.Options.Add(o);
        }

        public InfluenceSettings Settings(ParseResult pr) => new()
        {
            Classes = pr.GetValue(Classes)!, TrainPerClass = pr.GetValue(TrainPerClass), Tests = pr.GetValue(Tests), L2 = pr.GetValue(L2),
            Solver = pr.GetValue(Solver)!.Trim().ToLowerInvariant() switch
            {
                "exact" => InverseHessianMethod.Exact,
                "cg" => InverseHessianMethod.ConjugateGradient,
                "lissa" => InverseHessianMethod.Lissa,
                var s => throw new FragilityException($"--solver must be exact, cg or lissa, got '{s}'."),
            },
            CgTolerance = pr.GetValue(CgTolerance),
            Lissa = new LissaOptions { Depth = pr.GetValue(LissaDepth), Scale = pr.GetValue(LissaScale), BatchSize = pr.GetValue(LissaBatch), Repeats = pr.GetValue(LissaRepeats) },
        };

        public LoadedInfluence Load(ParseResult pr)
        {
            var settings = Settings(pr);
            settings.Validate();
            string dataset = pr.GetValue(Dataset)!;
            string? dataDir = pr.GetValue(Data);
            var model = ModelStore.Load(pr.GetValue(Model));
            ImageDataset? test = null, train = null;
            try
            {
                test = CliData.LoadForModel(model, dataset, DatasetSplit.Test, dataDir);
                train = InfluenceSetup.LoadTrainingPrefix(limit => CliData.LoadForModel(model, dataset, DatasetSplit.Train, dataDir, limit),
                    settings.Classes, settings.TrainPerClass, model.ClassCount);
                var (tr, te) = (train, test);
                var setup = ConsoleProgress.Run("influence head", p => InfluenceSetup.Build(model, tr, te, settings, p));
                return new LoadedInfluence(model, train, test, setup);
            }
            catch
            {
                train?.Dispose();
                test?.Dispose();
                model.Dispose();
                throw;
            }
        }

        public static string ModelFingerprint(string? path)
        {
            string file = string.IsNullOrEmpty(path) ? ModelStore.ShippedModelPath() : path;
            using var stream = File.OpenRead(file);
            return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        }

        public static double[] ParseList(string text, string option)
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var values = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                    throw new FragilityException($"{option} must be comma-separated numbers, e.g. 1,2,4,8; '{parts[i]}' is not a number.");
            if (values.Length == 0) throw new FragilityException($"{option} is empty: give comma-separated numbers.");
            return values;
        }
    }
}
