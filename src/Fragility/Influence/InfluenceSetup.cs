using MathNet.Numerics.LinearAlgebra;
using Fragility.Data;
using Fragility.Models;
using Fragility.Runtime;

namespace Fragility.Influence;

/// <summary>
/// The influence experiment of Ghorbani, Abid and Zou (docs/method.md §5), set up by the conventions of
/// <see cref="InfluenceSettings"/>: features phi(x) from the frozen network (<see cref="PenultimateFeatures"/>, ReLU
/// mode), a logistic-regression head (softmax for more than two classes) trained by Newton's method on the first N
/// training images of each class, its accuracy, the test points (first M correctly classified test images of the
/// classes), and the influence functions.
/// </summary>
public sealed class InfluenceSetup : IDisposable
{
    private InfluenceSetup(Classifier model, PenultimateFeatures features, InfluenceSettings settings, int[] classIndices, IReadOnlyList<string> classNames,
        int[] trainIndices, ImageDataset trainImages, int[] trainLabels, HeadObjective objective, NewtonResult training, InfluenceFunctions influence,
        double trainAccuracy, double testAccuracy, int testCount, int[] testIndices, ImageDataset testImages, int[] testLabels, Matrix<double> testFeatures)
    {
        Model = model; Features = features; Settings = settings; ClassIndices = classIndices; ClassNames = classNames;
        TrainIndices = trainIndices; TrainImages = trainImages; TrainLabels = trainLabels; Objective = objective; Training = training;
        Influence = influence; TrainAccuracy = trainAccuracy; TestAccuracy = testAccuracy; TestImageCount = testCount;
        TestIndices = testIndices; TestImages = testImages; TestLabels = testLabels; TestFeatures = testFeatures;
    }

    /// <summary>The frozen network.</summary>
    public Classifier Model { get; }

    /// <summary>The feature map phi.</summary>
    public PenultimateFeatures Features { get; }

    /// <summary>The settings used.</summary>
    public InfluenceSettings Settings { get; }

    /// <summary>Data-set class index of each task label (task label i = data-set class ClassIndices[i]).</summary>
    public IReadOnlyList<int> ClassIndices { get; }

    /// <summary>Name of each task label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Data-set indices (training split, file order) of the head's training points; position i is training point i.</summary>
    public IReadOnlyList<int> TrainIndices { get; }

    /// <summary>The head's training images (owned), in the order of <see cref="TrainIndices"/>.</summary>
    public ImageDataset TrainImages { get; }

    /// <summary>Task labels of the training points.</summary>
    public IReadOnlyList<int> TrainLabels { get; }

    /// <summary>The head's training objective.</summary>
    public HeadObjective Objective { get; }

    /// <summary>How Newton's method ended.</summary>
    public NewtonResult Training { get; }

    /// <summary>Influence functions of the trained head.</summary>
    public InfluenceFunctions Influence { get; }

    /// <summary>The trained head.</summary>
    public LinearHead Head => Influence.Head;

    /// <summary>The head's accuracy on its training points, in [0, 1].</summary>
    public double TrainAccuracy { get; }

    /// <summary>The head's accuracy on every test image of the task's classes, in [0, 1].</summary>
    public double TestAccuracy { get; }

    /// <summary>Number of test images of the task's classes (the denominator of <see cref="TestAccuracy"/>).</summary>
    public int TestImageCount { get; }

    /// <summary>Data-set indices (test split) of the selected test points.</summary>
    public IReadOnlyList<int> TestIndices { get; }

    /// <summary>The selected test images (owned), in the order of <see cref="TestIndices"/>.</summary>
    public ImageDataset TestImages { get; }

    /// <summary>Task labels of the selected test points (equal to the head's predictions).</summary>
    public IReadOnlyList<int> TestLabels { get; }

    /// <summary>phi of the selected test points (one row each).</summary>
    public Matrix<double> TestFeatures { get; }

    /// <summary>Number of training points n.</summary>
    public int TrainingCount => TrainIndices.Count;

    /// <summary>
    /// Builds the experiment. <paramref name="train"/> must hold at least the first <see cref="InfluenceSettings.TrainPerClass"/>
    /// images of each class in file order (a prefix of the training split is enough, see <see cref="LoadTrainingPrefix"/>).
    /// </summary>
    public static InfluenceSetup Build(Classifier model, ImageDataset train, ImageDataset test, InfluenceSettings settings, IProgress<ProgressUpdate>? progress = null)
    {
        settings.Validate();
        var names = test.ClassNames.Count > 0 ? test.ClassNames : model.Metadata.ClassNames;
        var classes = ParseClasses(settings.Classes, names);
        if (model.ClassCount != names.Count)
            throw new FragilityException($"The model has {model.ClassCount} classes but the data set '{test.Name}' has {names.Count}: use the data set the model was trained on.");
        var features = new PenultimateFeatures(model);
        var taskOf = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

        var trainIdx = SelectFirstPerClass(train.Labels, classes, settings.TrainPerClass);
        var missing = classes.Where(c => trainIdx.Count(i => train.Labels[i] == c) < settings.TrainPerClass).ToList();
        if (missing.Count > 0)
            throw new FragilityException($"The training split has fewer than {settings.TrainPerClass} images of class {string.Join(", ", missing.Select(c => $"'{names[c]}'"))}: lower --train-per-class.");
        var trainImages = train.Subset(trainIdx);
        ImageDataset? testImages = null;
        try
        {
            var trainLabels = trainIdx.Select(i => taskOf[(int)train.Labels[i]]).ToArray();
            Matrix<double> trainPhi, classTestPhi;
            var classTestIdx = Enumerable.Range(0, test.Count).Where(i => taskOf.ContainsKey((int)test.Labels[i])).ToArray();
            if (classTestIdx.Length == 0) throw new FragilityException($"The test split has no images of the classes {settings.Classes}: check --classes.");
            progress?.Report(new ProgressUpdate("features", 0, 2));
            using (model.UseRelu())
            {
                trainPhi = features.Compute(trainImages.Images);
                progress?.Report(new ProgressUpdate("features", 1, 2));
                using var classTest = test.Subset(classTestIdx);
                classTestPhi = features.Compute(classTest.Images);
                progress?.Report(new ProgressUpdate("features", 2, 2));
            }
            var objective = new HeadObjective(trainPhi, trainLabels, classes.Length, settings.L2);
            var training = NewtonTrainer.Minimize(objective, null, settings.Newton);
            if (!training.Converged)
                throw new FragilityException($"Newton's method did not converge in {training.Iterations} steps (gradient norm {training.GradientNorm:G3}): raise --l2.");
            var head = objective.Head(training.Parameters);
            var solver = CreateSolver(objective, training.Parameters, settings);
            var influence = new InfluenceFunctions(objective, training.Parameters, solver);
            var classTestLabels = classTestIdx.Select(i => taskOf[(int)test.Labels[i]]).ToArray();
            var predicted = head.Predict(classTestPhi);
            var correct = Enumerable.Range(0, classTestIdx.Length).Where(j => predicted[j] == classTestLabels[j]).Take(settings.Tests).ToArray();
            if (correct.Length < settings.Tests)
                throw new FragilityException($"Only {correct.Length} test images of the classes are classified correctly, fewer than --tests {settings.Tests}: lower --tests.");
            var testIdx = correct.Select(j => classTestIdx[j]).ToArray();
            testImages = test.Subset(testIdx);
            var testPhi = Matrix<double>.Build.DenseOfRowArrays(correct.Select(j => classTestPhi.Row(j).ToArray()));
            double testAccuracy = predicted.Where((p, j) => p == classTestLabels[j]).Count() / (double)classTestIdx.Length;
            return new InfluenceSetup(model, features, settings, classes, classes.Select(c => names[c]).ToArray(), trainIdx, trainImages, trainLabels,
                objective, training, influence, head.Accuracy(trainPhi, trainLabels), testAccuracy, classTestIdx.Length,
                testIdx, testImages, correct.Select(j => classTestLabels[j]).ToArray(), testPhi);
        }
        catch
        {
            trainImages.Dispose();
            testImages?.Dispose();
            throw;
        }
    }

    /// <summary>The inverse-Hessian solver chosen by <paramref name="settings"/> for the objective at theta.</summary>
    public static IInverseHessianSolver CreateSolver(HeadObjective objective, MathNet.Numerics.LinearAlgebra.Vector<double> theta, InfluenceSettings settings) => settings.Solver switch
    {
        InverseHessianMethod.Exact when objective.ParameterCount > settings.ExactHessianLimit =>
            throw new FragilityException($"The head has {objective.ParameterCount} parameters, too many for the exact Hessian (limit {settings.ExactHessianLimit}): use --solver cg or --solver lissa."),
        InverseHessianMethod.Exact => new ExactInverseHessian(objective, theta),
        InverseHessianMethod.ConjugateGradient => new ConjugateGradientInverseHessian(objective, theta, settings.CgTolerance),
        InverseHessianMethod.Lissa => new LissaInverseHessian(objective, theta, settings.Lissa),
        _ => throw new ArgumentOutOfRangeException(nameof(settings)),
    };

    /// <summary>The explanation of a test point with features <paramref name="phi"/> and task label <paramref name="label"/>; <paramref name="k"/> top points per side.</summary>
    public InfluenceExplanation Explain(ReadOnlySpan<double> phi, int label, int k = 5)
    {
        var values = Influence.Influence(phi, label);
        var (helpful, harmful) = InfluenceFunctions.Rank(values, k);
        return new InfluenceExplanation(label, Head.Probabilities(phi), Head.Loss(phi, label), values, helpful, harmful);
    }

    /// <summary>The selected test points (first <see cref="InfluenceSettings.Tests"/> correctly classified), with ids "test:INDEX".</summary>
    public IReadOnlyList<InfluenceTestPoint> DefaultTestPoints()
    {
        var pixels = Pixels(TestImages.Images);
        long[] network;
        using (Model.UseRelu()) network = NetworkLabels(TestImages.Images);
        return Enumerable.Range(0, TestIndices.Count).Select(t => new InfluenceTestPoint($"test:{TestIndices[t]}", TestIndices[t], pixels[t], TestLabels[t], "true",
            TestFeatures.Row(t).ToArray(), (int)network[t])).ToArray();
    }

    /// <summary>
    /// A test point from any image [C, H, W] or [1, C, H, W] of the model's size. Its label is the task label of
    /// <paramref name="datasetLabel"/> when that class is one of the task's, else the head's prediction.
    /// </summary>
    public InfluenceTestPoint TestPoint(TorchSharp.torch.Tensor image, string id, int datasetIndex, long datasetLabel)
    {
        using var batch = image.dim() == 3 ? image.unsqueeze(0) : image.alias();
        double[] phi;
        long network;
        using (Model.UseRelu())
        {
            phi = Features.ComputeRows(batch)[0];
            network = NetworkLabels(batch)[0];
        }
        int task = Array.IndexOf(ClassIndices.ToArray(), (int)datasetLabel);
        return task >= 0
            ? new InfluenceTestPoint(id, datasetIndex, Pixels(batch)[0], task, "true", phi, (int)network)
            : new InfluenceTestPoint(id, datasetIndex, Pixels(batch)[0], Head.Predict(phi), "prediction", phi, (int)network);
    }

    /// <summary>Pixels of training point <paramref name="position"/> (pixel scale, flattened C x H x W).</summary>
    public float[] TrainingPixels(int position)
    {
        _trainPixels ??= Pixels(TrainImages.Images);
        return _trainPixels[position];
    }

    private float[][]? _trainPixels;

    private static float[][] Pixels(TorchSharp.torch.Tensor images)
    {
        using var flat = images.to(TorchSharp.torch.ScalarType.Float32).flatten(1).contiguous();
        var all = flat.cpu().data<float>().ToArray();
        int n = (int)flat.shape[0], size = (int)flat.shape[1];
        return Enumerable.Range(0, n).Select(i => all.AsSpan(i * size, size).ToArray()).ToArray();
    }

    private long[] NetworkLabels(TorchSharp.torch.Tensor images)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var _ = TorchSharp.torch.no_grad();
        return Model.forward(images).argmax(1).cpu().data<long>().ToArray();
    }

    /// <summary>
    /// Data-set class indices of a class list: comma-separated names (case-insensitive) or indices, or "all".
    /// </summary>
    /// <exception cref="FragilityException">Unknown or repeated class, or fewer than two.</exception>
    public static int[] ParseClasses(string spec, IReadOnlyList<string> classNames)
    {
        if (spec.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return Enumerable.Range(0, classNames.Count).ToArray();
        var result = new List<int>();
        foreach (var raw in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int index = -1;
            for (int i = 0; i < classNames.Count; i++)
                if (string.Equals(classNames[i], raw, StringComparison.OrdinalIgnoreCase)) index = i;
            if (index < 0 && int.TryParse(raw, out int parsed) && parsed >= 0 && parsed < classNames.Count) index = parsed;
            if (index < 0)
                throw new FragilityException($"Unknown class '{raw}' in --classes: use names or indices of {string.Join(", ", classNames.Select((n, i) => $"{i} {n}"))}.");
            if (result.Contains(index)) throw new FragilityException($"Class '{raw}' is given twice in --classes: list each class once.");
            result.Add(index);
        }
        if (result.Count < 2) throw new FragilityException($"--classes needs at least two classes, got '{spec}'.");
        return result.ToArray();
    }

    /// <summary>Indices of the first <paramref name="perClass"/> images of each class in <paramref name="classes"/>, in file order.</summary>
    public static int[] SelectFirstPerClass(IReadOnlyList<long> labels, IReadOnlyList<int> classes, int perClass)
    {
        var counts = classes.ToDictionary(c => c, _ => 0);
        var selected = new List<int>();
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0 || labels[i] > int.MaxValue || !counts.TryGetValue((int)labels[i], out int c) || c >= perClass) continue;
            counts[(int)labels[i]] = c + 1;
            selected.Add(i);
        }
        return selected.ToArray();
    }

    /// <summary>
    /// Loads the shortest prefix of the training split (via <paramref name="loadFirst"/>, which loads the first N images, or
    /// all when null) that holds <paramref name="perClass"/> images of every class in <paramref name="classSpec"/>, so a
    /// 60000-image split is not read in full for 1000 points.
    /// </summary>
    public static ImageDataset LoadTrainingPrefix(Func<int?, ImageDataset> loadFirst, string classSpec, int perClass, int classCount)
    {
        int limit = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(1.3 * perClass * classCount));
        while (true)
        {
            var data = loadFirst(limit);
            var classes = ParseClasses(classSpec, data.ClassNames);
            var idx = SelectFirstPerClass(data.Labels, classes, perClass);
            if (idx.Length == perClass * classes.Length || data.Count < limit) return data;
            data.Dispose();
            limit *= 2;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        TrainImages.Dispose();
        TestImages.Dispose();
    }
}
