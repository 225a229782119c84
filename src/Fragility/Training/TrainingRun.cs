using System.Globalization;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;

namespace Fragility.Training;

/// <summary>Trains a registry architecture on a data set (<c>fragility train</c>) and saves it with the metadata a
/// model file keeps: preprocessing, class names, the training mean as reference, test accuracy, and how it was trained
/// (<see cref="TrainingRecord"/>).</summary>
public static class TrainingRun
{
    /// <summary>Trains as <paramref name="request"/> says and saves the model to <paramref name="path"/>.</summary>
    /// <param name="request">What to train.</param>
    /// <param name="path">Where to save the model (.safetensors).</param>
    /// <param name="say">Told what is being done, before each long step.</param>
    /// <param name="progress">Receives the training's progress.</param>
    /// <returns>The training report (its test evaluation is the saved accuracy).</returns>
    public static TrainingReport Run(TrainingRequest request, string path, Action<string>? say = null, IProgress<ProgressUpdate>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var options = request.Options;
        var load = DatasetCatalog.DefaultImageOptions(request.Dataset);
        if (request.ImageSize is int size) load = new ImageLoadOptions(load.Channels, size, size, Math.Max(size, load.ResizeShorter ?? size));
        say?.Invoke($"Loading {request.Dataset}...");
        using var train = DatasetCatalog.Load(request.Dataset, DatasetSplit.Train, request.DataDir, load, request.TrainImages);
        using var test = DatasetCatalog.Load(request.Dataset, DatasetSplit.Test, request.DataDir, load);
        var (c, h, w) = train.ImageShape;
        var (mean, std) = NormalisationStatistics.Compute(train);
        float[]? pixelMean = null;
        if (h <= References.SmallImageSide && w <= References.SmallImageSide)
        {
            using var m = MeanImages.PerPixel(train);
            pixelMean = m.cpu().data<float>().ToArray();
        }
        torch.manual_seed(options.Seed);
        var metadata = new ModelMetadata
        {
            ReferenceSource = pixelMean is null ? null : $"{train.Name} train, {train.Count} images",
            Architecture = request.Architecture,
            Preprocessing = new Preprocessing { Channels = c, Height = h, Width = w, ResizeShorter = load.ResizeShorter, Mean = mean, Std = std },
            ClassNames = train.ClassNames, Dataset = request.Dataset, Seed = options.Seed, Activation = request.Activation, Beta = request.Beta,
            ReferenceMean = pixelMean, Command = request.Command,
            CreatedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture), FragilityVersion = typeof(Classifier).Assembly.GetName().Version?.ToString(3),
        };
        using var model = ModelStore.Create(metadata);
        say?.Invoke(string.Create(CultureInfo.InvariantCulture, $"Training {metadata.Architecture} on {train.Count} images of {c}x{h}x{w}, {options.Epochs} epochs, batch {options.BatchSize}, ") +
            string.Create(CultureInfo.InvariantCulture, $"lr {options.LearningRate}, seed {options.Seed}, {torch.get_num_threads()} threads") +
            (options.Regulariser is null ? "." : $", regulariser {options.Regulariser.ToString() ?? options.Regulariser.Name}."));
        var report = Trainer.Train(model, train, test, options, progress);
        var record = new TrainingRecord
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate, WeightDecay = options.WeightDecay,
            TrainImages = train.Count, Seconds = report.Seconds, Threads = torch.get_num_threads(), SecondsPerEpoch = report.Seconds / options.Epochs,
            Regulariser = options.Regulariser?.Name ?? "none", RegulariserSpec = request.RegulariserSpec ?? "none",
            Lambda = request.Lambda is double l ? l.ToString("R", CultureInfo.InvariantCulture) : "0",
            RegulariserSettings = options.Regulariser?.ToString() ?? "none",
        };
        var saved = metadata with { TestAccuracy = report.Test!.Accuracy, Training = record.ToMetadata() };
        using var final = new Classifier(model.Network, saved);
        ModelStore.Save(final, path);
        return report;
    }
}
