using System.Diagnostics;
using Fragility.Data;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Training;

/// <summary>Trains a <see cref="Classifier"/> with Adam on cross-entropy (plus an optional regulariser), and evaluates it.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains in place. Shuffling uses <see cref="TrainingOptions.Seed"/>, so with the same seed, initial weights and
    /// thread count the result is identical.
    /// </summary>
    public static TrainingReport Train(Classifier model, ImageDataset train, ImageDataset? test, TrainingOptions options, IProgress<ProgressUpdate>? progress = null)
    {
        options.Validate();
        CheckCompatible(model, train);
        if (train.Labels.Any(l => l < 0)) throw new FragilityException("The training set has unlabelled images (label -1); use a folder with one sub-folder per class.");
        var clock = Stopwatch.StartNew();
        var rng = new Random(options.Seed);
        torch.manual_seed(options.Seed);
        using var optimizer = torch.optim.Adam(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        int n = train.Count, steps = (n + options.BatchSize - 1) / options.BatchSize;
        using var allLabels = torch.tensor(train.Labels);
        var losses = new double[options.Epochs];
        var accs = new double[options.Epochs];
        model.train();
        try
        {
            for (int epoch = 0; epoch < options.Epochs; epoch++)
            {
                int[] order = Enumerable.Range(0, n).ToArray();
                rng.Shuffle(order);
                double lossSum = 0; long correct = 0;
                for (int s = 0; s < steps; s++)
                {
                    using var scope = torch.NewDisposeScope();
                    var idx = torch.tensor(order.AsSpan(s * options.BatchSize, Math.Min(options.BatchSize, n - s * options.BatchSize)).ToArray().Select(i => (long)i).ToArray());
                    var x = train.Images.index_select(0, idx);
                    var y = allLabels.index_select(0, idx);
                    optimizer.zero_grad();
                    var logits = model.forward(x);
                    var loss = nn.functional.cross_entropy(logits, y);
                    if (options.Regulariser is not null) loss = loss + options.Regulariser.Penalty(model, x, y, logits);
                    loss.backward();
                    optimizer.step();
                    options.Regulariser?.AfterStep(model);
                    lossSum += loss.item<float>() * idx.shape[0];
                    correct += logits.argmax(1).eq(y).sum().item<long>();
                    long done = (long)epoch * steps + s + 1;
                    if (s % 10 == 0 || s == steps - 1)
                        progress?.Report(new ProgressUpdate("training", done, (long)options.Epochs * steps,
                            $"epoch {epoch + 1}/{options.Epochs} loss {lossSum / Math.Min(n, (s + 1) * options.BatchSize):F4} acc {(double)correct / Math.Min(n, (s + 1) * options.BatchSize):P1}"));
                }
                losses[epoch] = lossSum / n;
                accs[epoch] = (double)correct / n;
            }
        }
        finally
        {
            model.eval();
        }
        var evaluation = test is null ? null : Evaluate(model, test);
        return new TrainingReport(losses, accs, clock.Elapsed.TotalSeconds, evaluation);
    }

    /// <summary>Accuracy and per-class accuracy of <paramref name="model"/> on <paramref name="data"/> (labelled images only).</summary>
    public static EvaluationResult Evaluate(Classifier model, ImageDataset data, int batchSize = 500)
    {
        CheckCompatible(model, data);
        int classes = model.ClassCount;
        var perCorrect = new int[classes];
        var perCount = new int[classes];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int len = Math.Min(batchSize, data.Count - start);
            using var scope = torch.NewDisposeScope();
            var (pred, _) = model.Predict(data.Images.narrow(0, start, len));
            for (int i = 0; i < len; i++)
            {
                long label = data.Labels[start + i];
                if (label < 0 || label >= classes) continue;
                perCount[label]++;
                if (pred[i] == label) perCorrect[label]++;
            }
        }
        int total = perCount.Sum();
        if (total == 0) throw new FragilityException("The data set has no labelled images to evaluate on; use a data set with labels (a folder with one sub-folder per class).");
        return new EvaluationResult((double)perCorrect.Sum() / total, total,
            perCount.Select((c, i) => c == 0 ? double.NaN : (double)perCorrect[i] / c).ToArray(), perCount);
    }

    private static void CheckCompatible(Classifier model, ImageDataset data)
    {
        var p = model.Metadata.Preprocessing;
        var (c, h, w) = data.ImageShape;
        if (c != p.Channels || h != p.Height || w != p.Width)
            throw new FragilityException($"The data set '{data.Name}' has images of {c}x{h}x{w} but the model expects {p.Channels}x{p.Height}x{p.Width}. Use a matching data set or model.");
        if (data.ClassNames.Count > 0 && data.ClassNames.Count != model.ClassCount)
            throw new FragilityException($"The data set '{data.Name}' has {data.ClassNames.Count} classes but the model has {model.ClassCount}. Use a matching data set or model.");
    }
}
