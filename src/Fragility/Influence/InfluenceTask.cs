using System.Globalization;
using Fragility.Data;
using Fragility.Models;
using Fragility.Runtime;

namespace Fragility.Influence;

/// <summary>The influence experiment's task: a model, the training and test data of the chosen classes, and the head
/// and influence functions built on them (<see cref="InfluenceSetup"/>); disposed together.</summary>
public sealed class InfluenceTask : IDisposable
{
    private InfluenceTask(Classifier model, ImageDataset train, ImageDataset test, InfluenceSetup setup, string dataset)
    {
        Model = model;
        Train = train;
        Test = test;
        Setup = setup;
        Dataset = dataset;
    }

    /// <summary>The frozen network.</summary>
    public Classifier Model { get; }

    /// <summary>The training images read (a prefix of the training split).</summary>
    public ImageDataset Train { get; }

    /// <summary>The test split.</summary>
    public ImageDataset Test { get; }

    /// <summary>The head, its objective and the influence functions.</summary>
    public InfluenceSetup Setup { get; }

    /// <summary>The data set's name.</summary>
    public string Dataset { get; }

    /// <summary>Loads the model (null: the shipped one) and data and builds the head as <paramref name="settings"/> say.</summary>
    public static InfluenceTask Load(string? modelPath, string dataset, string? dataDir, InfluenceSettings settings, IProgress<ProgressUpdate>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var model = ModelStore.Load(modelPath);
        ImageDataset? test = null, train = null;
        try
        {
            test = ModelData.Load(model, dataset, DatasetSplit.Test, dataDir);
            train = InfluenceSetup.LoadTrainingPrefix(limit => ModelData.Load(model, dataset, DatasetSplit.Train, dataDir, limit),
                settings.Classes, settings.TrainPerClass, model.ClassCount);
            var setup = InfluenceSetup.Build(model, train, test, settings, progress);
            return new InfluenceTask(model, train, test, setup, dataset);
        }
        catch
        {
            train?.Dispose();
            test?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>The test points <paramref name="specs"/> name: INDEX (the task's test split, file order) or NAME:INDEX
    /// (the test split of data set NAME); an entry may hold several, comma-separated.</summary>
    public IReadOnlyList<InfluenceTestPoint> TestPoints(IEnumerable<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var result = new List<InfluenceTestPoint>();
        var others = new Dictionary<string, ImageDataset>(StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var spec in specs.SelectMany(s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
            {
                int colon = spec.LastIndexOf(':');
                string name = colon < 0 ? Dataset : spec[..colon];
                if (!int.TryParse(colon < 0 ? spec : spec[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                    throw new FragilityException($"--test '{spec}' is not INDEX or NAME:INDEX (e.g. 17 or sample:3).");
                ImageDataset data;
                if (name.Equals(Dataset, StringComparison.OrdinalIgnoreCase)) data = Test;
                else if (!others.TryGetValue(name, out data!))
                    others[name] = data = ModelData.Load(Model, name, DatasetSplit.Test, null);
                if (index >= data.Count)
                    throw new FragilityException($"--test '{spec}': the test split of '{name}' has {data.Count} images (indices 0..{data.Count - 1}).");
                using var image = data.Images[index];
                result.Add(Setup.TestPoint(image, colon < 0 ? $"test:{index}" : $"{name}:{index}", index, data.Labels[index]));
            }
        }
        finally
        {
            foreach (var d in others.Values) d.Dispose();
        }
        return result;
    }

    /// <summary>When the solver is not the exact one and the head is small enough, the largest relative error and the
    /// smallest Spearman correlation of <paramref name="explanations"/>' influence vectors against the exact solve;
    /// null when there is nothing to check.</summary>
    public (double WorstRelativeError, double SmallestSpearman)? CompareWithExact(IReadOnlyList<InfluenceTestPoint> points, IReadOnlyList<InfluenceExplanation> explanations)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(explanations);
        var setup = Setup;
        if (setup.Influence.Solver is ExactInverseHessian || setup.Head.ParameterCount > setup.Settings.ExactHessianLimit) return null;
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
        return (worst, minSpearman);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Setup.Dispose();
        Train.Dispose();
        Test.Dispose();
        Model.Dispose();
    }
}
