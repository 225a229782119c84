using System.Diagnostics;
using System.Globalization;
using Fragility.Data;
using Fragility.Models;
using Fragility.Training;
using Fragility.Training.Regularisers;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Defences;

/// <summary>
/// The extra training cost of a regulariser, measured rather than read from wall-clock training logs (which on a
/// shared machine vary with the load more than with the regulariser): training steps with and without the
/// regulariser are timed alternately on the same batch and the same model copy, and the difference of the medians
/// is scaled to the steps of one epoch.
/// </summary>
public static class TrainingCost
{
    /// <summary>Median seconds of one training step (forward, cross-entropy plus penalty, backward, Adam step, the
    /// regulariser's after-step) without and with <paramref name="regulariser"/>, timed alternately
    /// <paramref name="repeats"/> times after one untimed warm-up of each. <paramref name="model"/> is trained by the
    /// timing: pass a copy.</summary>
    public static (double Plain, double Regularised) StepSeconds(Classifier model, ITrainingRegulariser regulariser, Tensor images, Tensor labels, int repeats = 5)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats));
        using var optimizer = torch.optim.Adam(model.parameters(), 1e-4);
        var plain = new List<double>();
        var regularised = new List<double>();
        model.train();
        try
        {
            for (int r = 0; r <= repeats; r++)
            {
                double a = Step(model, optimizer, null, images, labels), b = Step(model, optimizer, regulariser, images, labels);
                if (r == 0) continue;   // warm-up
                plain.Add(a);
                regularised.Add(b);
            }
        }
        finally { model.eval(); }
        return (Median(plain), Median(regularised));
    }

    /// <summary>The regulariser a model was trained with, rebuilt from its metadata (training keys "regularizer_spec" or
    /// "regularizer", and "lambda"), or null when it was trained without one or cannot be rebuilt; then
    /// <paramref name="why"/> says why (null when the model has no regulariser).</summary>
    public static ITrainingRegulariser? FromMetadata(ModelMetadata metadata, out string? why)
    {
        why = null;
        var t = TrainingRecord.From(metadata.Training);
        if (t is null || t.RegulariserSpec == "none") return null;
        string spec = t.RegulariserSpec;
        if (!double.TryParse(t.Lambda, NumberStyles.Float, CultureInfo.InvariantCulture, out double lambda))
        {
            why = $"its metadata records regulariser '{spec}' without a numeric lambda ('{t.Lambda}')";
            return null;
        }
        try { return TrainingRegularisers.Create(spec, lambda); }
        catch (FragilityException e)
        {
            why = $"regulariser '{spec}' of its metadata cannot be rebuilt: {e.Message.TrimEnd('.')}";
            return null;
        }
    }

    /// <summary>Extra training seconds per epoch of the regulariser <paramref name="path"/>'s model was trained with
    /// (<see cref="StepSeconds"/> on the first batch of <paramref name="data"/>, times the steps per epoch): 0 without
    /// one; NaN, with <paramref name="why"/> set, when the regulariser or the epoch length cannot be read from the metadata.</summary>
    internal static double ExtraSecondsPerEpoch(string path, ModelMetadata metadata, ImageDataset data, out string? why)
    {
        why = null;
        var t = TrainingRecord.From(metadata.Training);
        if (t is null || !t.Regularised) return 0;
        var regulariser = FromMetadata(metadata, out why);
        if (regulariser is null || t.TrainImages is not int images || t.BatchSize is not int batch || batch < 1)
        {
            why ??= "its metadata lacks train_images or batch_size, so the steps per epoch are unknown";
            return double.NaN;
        }
        using var copy = ModelStore.Load(path);   // the timing trains the model: a copy
        int n = Math.Min(batch, data.Count);
        using var x = data.Images.narrow(0, 0, n);
        using var y = torch.tensor(data.Labels.Take(n).Select(l => Math.Max(0, l)).ToArray(), device: x.device);
        var (plain, regularised) = StepSeconds(copy, regulariser, x, y);
        return (regularised - plain) * Math.Ceiling((double)images / batch);
    }

    private static double Step(Classifier model, torch.optim.Optimizer optimizer, ITrainingRegulariser? regulariser, Tensor x, Tensor y)
    {
        var clock = Stopwatch.StartNew();
        using (var scope = torch.NewDisposeScope())
        {
            optimizer.zero_grad();
            var logits = model.forward(x);
            var loss = nn.functional.cross_entropy(logits, y);
            if (regulariser is not null) loss = loss + regulariser.Penalty(model, x, y, logits);
            loss.backward();
            optimizer.step();
            regulariser?.AfterStep(model);
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
