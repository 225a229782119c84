using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Models;
using Fragility.Runtime;
using Fragility.Training;
using Spectre.Console;
using TorchSharp;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility train</c>: trains a registry architecture on a data set and saves it with its metadata.</summary>
public sealed class TrainCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 80;

    /// <inheritdoc />
    public Command Build()
    {
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", ModelRegistry.Names)}.", DefaultValueFactory = _ => ModelRegistry.SmallCnn };
        var dataset = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        var data = CommonOptions.Data();
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch-size") { Description = "Images per optimisation step.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var wd = new Option<double>("--weight-decay") { Description = "L2 weight decay (Adam's weight_decay).", DefaultValueFactory = _ => 0.0 };
        var seed = CommonOptions.Seed();
        var activation = new Option<string>("--activation") { Description = "Nonlinearity to train with: relu or softplus.", DefaultValueFactory = _ => "relu" };
        var beta = new Option<double>("--beta") { Description = "Softplus beta when --activation softplus (softplus(z) = log(1+exp(beta z))/beta).", DefaultValueFactory = _ => 1.0 };
        var trainLimit = new Option<int?>("--train-images") { Description = "Use only the first N training images (default: all)." };
        var imageSize = new Option<int?>("--image-size") { Description = "Resize images to this many pixels square (pixels; default: the data set's own size, 224 for folders)." };
        var output = new Option<string>("--out", "-o") { Description = "Where to save the model (.safetensors).", DefaultValueFactory = _ => "model.safetensors" };
        var threads = CommonOptions.Threads();
        var cmd = new Command("train", "Train a model of the registry on a data set; prints test accuracy and saves weights plus metadata (architecture, preprocessing, class names, seed, accuracy, command).")
        {
            arch, dataset, data, epochs, batch, lr, wd, seed, activation, beta, trainLimit, imageSize, output, threads,
        };
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads));
            string act = pr.GetValue(activation)!.ToLowerInvariant();
            if (act is not ("relu" or "softplus")) throw new FragilityException($"--activation must be relu or softplus, got '{act}'.");
            var options = new TrainingOptions
            {
                Epochs = pr.GetValue(epochs), BatchSize = pr.GetValue(batch), LearningRate = pr.GetValue(lr),
                WeightDecay = pr.GetValue(wd), Seed = pr.GetValue(seed),
            };
            options.Validate();
            string name = pr.GetValue(dataset)!;
            var load = DatasetCatalog.DefaultImageOptions(name);
            if (pr.GetValue(imageSize) is int size) load = new ImageLoadOptions(load.Channels, size, size, Math.Max(size, load.ResizeShorter ?? size));
            AnsiConsole.MarkupLine($"Loading [bold]{Markup.Escape(name)}[/]...");
            using var train = DatasetCatalog.Load(name, DatasetSplit.Train, pr.GetValue(data), load, pr.GetValue(trainLimit));
            using var test = DatasetCatalog.Load(name, DatasetSplit.Test, pr.GetValue(data), load);
            var (c, h, w) = train.ImageShape;
            var (mean, std) = NormalizationStatistics.Compute(train);
            float[]? pixelMean = null;
            if (h <= 64 && w <= 64)
            {
                using var m = MeanImages.PerPixel(train);
                pixelMean = m.data<float>().ToArray();
            }
            torch.manual_seed(options.Seed);
            var metadata = new ModelMetadata
            {
                Architecture = pr.GetValue(arch)!,
                Preprocessing = new Preprocessing { Channels = c, Height = h, Width = w, ResizeShorter = load.ResizeShorter, Mean = mean, Std = std },
                ClassNames = train.ClassNames, Dataset = name, Seed = options.Seed, Activation = act, Beta = pr.GetValue(beta),
                ReferenceMean = pixelMean,
                Command = "fragility " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                CreatedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture), FragilityVersion = typeof(Classifier).Assembly.GetName().Version?.ToString(3),
            };
            using var model = ModelStore.Create(metadata);
            AnsiConsole.MarkupLine($"Training [bold]{Markup.Escape(metadata.Architecture)}[/] on {train.Count} images of {c}x{h}x{w}, {options.Epochs} epochs, batch {options.BatchSize}, lr {options.LearningRate}, seed {options.Seed}, {torch.get_num_threads()} threads.");
            var report = ConsoleProgress.Run("train", p => Trainer.Train(model, train, test, options, p));
            var accuracy = report.Test!.Accuracy;
            var saved = metadata with
            {
                TestAccuracy = accuracy,
                Training = new Dictionary<string, string>
                {
                    ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture), ["batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
                    ["lr"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture), ["weight_decay"] = options.WeightDecay.ToString("R", CultureInfo.InvariantCulture),
                    ["train_images"] = train.Count.ToString(CultureInfo.InvariantCulture), ["seconds"] = report.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                    ["threads"] = torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
                },
            };
            using var final = new Classifier(model.Network, saved);
            string path = pr.GetValue(output)!;
            ModelStore.Save(final, path);
            AnsiConsole.MarkupLine($"Test accuracy [bold]{accuracy:P2}[/] on {report.Test.Count} images; trained in {report.Seconds:F0} s. Saved [green]{Markup.Escape(path)}[/].");
            return 0;
        }));
        return cmd;
    }
}
