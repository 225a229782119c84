using System.Globalization;
using Fragility.Data;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Runtime;
using Fragility.Training;
using TorchSharp;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// The same model family trained on the same data resized to another input size, for the dimension-scaling experiment
/// on trained networks: loads <c>{dataset}-{arch}-{size}px-seed{seed}-n{images}-e{epochs}.safetensors</c> from a folder,
/// or trains it with <see cref="Trainer"/> (Adam, cross-entropy) on the first N training images resized by
/// <see cref="Resampling"/> and saves it there.
/// </summary>
public static class SizedModels
{
    /// <summary>File name of the model for these settings.</summary>
    public static string FileName(string dataset, string architecture, int size, int seed, int trainImages, int epochs) =>
        string.Create(CultureInfo.InvariantCulture, $"{dataset}-{architecture}-{size}px-seed{seed}-n{trainImages}-e{epochs}.safetensors");

    /// <summary>Loads the model from <paramref name="folder"/> when it is there, else trains and saves it.</summary>
    /// <param name="folder">Folder of trained models (created if missing).</param>
    /// <param name="datasetName">Training data set (its train split; its test split for the accuracy).</param>
    /// <param name="dataDir">Its folder, or null for the default.</param>
    /// <param name="architecture">Registry architecture (default small-cnn).</param>
    /// <param name="size">Input size in pixels (square).</param>
    /// <param name="trainImages">First N training images used.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of initialisation and shuffling.</param>
    /// <param name="progress">Receives the trainer's updates.</param>
    public static (Classifier Model, string Path, bool Trained) LoadOrTrain(string folder, string datasetName, string? dataDir, string architecture, int size,
        int trainImages, int epochs, int seed, IProgress<ProgressUpdate>? progress = null)
    {
        string path = Path.Combine(folder, FileName(datasetName, architecture, size, seed, trainImages, epochs));
        if (File.Exists(path)) return (ModelStore.Load(path), path, false);
        var options = new TrainingOptions { Epochs = epochs, Seed = seed };
        using var rawTrain = DatasetCatalog.Load(datasetName, DatasetSplit.Train, dataDir, null, trainImages);
        using var rawTest = DatasetCatalog.Load(datasetName, DatasetSplit.Test, dataDir, null, 2000);
        using var train = Resampling.Resize(rawTrain, size);
        using var test = Resampling.Resize(rawTest, size);
        var (c, h, w) = train.ImageShape;
        var (mean, std) = NormalisationStatistics.Compute(train);
        using var pixelMean = MeanImages.PerPixel(train);
        torch.manual_seed(seed);
        var metadata = new ModelMetadata
        {
            Architecture = architecture,
            Preprocessing = new Preprocessing { Channels = c, Height = h, Width = w, Mean = mean, Std = std },
            ClassNames = train.ClassNames, Dataset = datasetName, Seed = seed,
            ReferenceMean = pixelMean.cpu().data<float>().ToArray(),
            Command = string.Create(CultureInfo.InvariantCulture, $"fragility geometry dimension (size {size}, {trainImages} training images, {epochs} epochs, seed {seed})"),
            CreatedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        var model = ModelStore.Create(metadata);
        var report = Trainer.Train(model, train, test, options, progress);
        var saved = metadata with
        {
            TestAccuracy = report.Test!.Accuracy,
            Training = new Dictionary<string, string>
            {
                ["epochs"] = epochs.ToString(CultureInfo.InvariantCulture), ["batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["lr"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture), ["weight_decay"] = "0",
                ["train_images"] = train.Count.ToString(CultureInfo.InvariantCulture), ["resized_to"] = size.ToString(CultureInfo.InvariantCulture),
            },
        };
        Directory.CreateDirectory(folder);
        // The saved metadata needs a new Classifier around the same network; reload from the file so that exactly one
        // live object owns the weights.
        ModelStore.Save(new Classifier(model.Network, saved), path);
        model.Dispose();
        return (ModelStore.Load(path), path, true);
    }
}
