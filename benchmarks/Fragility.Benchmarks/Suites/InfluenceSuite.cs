using Fragility.Data;
using Fragility.Influence;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Influence functions on the shipped Fashion-MNIST model (a freshly initialised small-cnn when it is missing), Sneaker vs
/// Ankle boot, 500 training images per class (100 in quick mode), lambda 0.1: head training, the influence of all training
/// points on one test point (exact, CG, LiSSA), and one attack step (gradient of the objective, and the evaluation of an
/// iterate) for 1 and 50 test points.
/// </summary>
public sealed class InfluenceSuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "influence";

    /// <inheritdoc />
    public string Description => "influence functions: head training, influence of all training points on one test point, one attack step";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        int perClass = bench.Quick ? 100 : 500;
        string? note = null;
        Classifier model;
        try { model = ModelStore.Load(null); }
        catch (FragilityException)
        {
            torch.manual_seed(0);
            model = ModelStore.Create(new ModelMetadata { ClassNames = DatasetCatalog.FashionMnistClassNames, Preprocessing = new Preprocessing { Mean = [0.29], Std = [0.35] } });
            note = "random-weight small-cnn (shipped model not found)";
        }
        using var _ = model;
        using var train = DatasetCatalog.Load(DatasetCatalog.FashionMnist, DatasetSplit.Train, null, limit: 12 * perClass);
        using var test = DatasetCatalog.Load(DatasetCatalog.FashionMnist, DatasetSplit.Test, null, limit: 2000);
        var settings = new InfluenceSettings { TrainPerClass = perClass, Tests = 50 };
        InfluenceSetup? setup = null;
        bench.Measure(Name, $"build: features + Newton head ({2 * perClass} images)", () => { setup?.Dispose(); setup = InfluenceSetup.Build(model, train, test, settings); }, note: () => note ?? "");
        using var s = setup!;
        var phi = s.TestFeatures.Row(0).ToArray();
        int label = s.TestLabels[0];
        bench.Measure(Name, $"influence of {s.TrainingCount} training points on 1 test point, exact", () => s.Influence.Influence(phi, label), 1, "test points");
        var cg = new InfluenceFunctions(s.Objective, s.Influence.Parameters, new ConjugateGradientInverseHessian(s.Objective, s.Influence.Parameters));
        bench.Measure(Name, "influence on 1 test point, conjugate gradient", () => cg.Influence(phi, label), 1, "test points");
        var lissa = new InfluenceFunctions(s.Objective, s.Influence.Parameters, new LissaInverseHessian(s.Objective, s.Influence.Parameters, new LissaOptions { Depth = bench.Quick ? 500 : 5000 }));
        bench.Measure(Name, $"influence on 1 test point, LiSSA depth {(bench.Quick ? 500 : 5000)}", () => lissa.Influence(phi, label), 1, "test points");
        bench.Measure(Name, "exact Hessian + Cholesky", () => new ExactInverseHessian(s.Objective, s.Influence.Parameters));

        var attack = new InfluenceAttack(s.Features, s.Influence);
        foreach (int b in new[] { 1, 50 })
        {
            using var images = s.TestImages.Images.narrow(0, 0, b);
            var labels = s.TestLabels.Take(b).ToArray();
            bench.Measure(Name, $"attack step: grad_x D, normalized, batch {b}", () =>
            {
                using var g = attack.ObjectiveGradient(images, labels, InfluenceObjective.Normalised);
            }, b, "test points");
            bench.Measure(Name, $"attack step: evaluate iterate (ReLU influence + Spearman), batch {b}", () => attack.Evaluate(images, labels), b, "test points");
            bench.Measure(Name, $"single-step attack incl. clean and final evaluation, batch {b}", () => attack.Run(images, labels, Enumerable.Range(0, b).ToArray(), 8,
                new InfluenceAttackOptions { Objective = InfluenceObjective.Normalised }), b, "test points");
        }
    }
}
