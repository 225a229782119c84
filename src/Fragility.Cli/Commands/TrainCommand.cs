using Fragility.Attribution;
using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Models;
using Fragility.Runtime;
using Fragility.Training;
using Fragility.Training.Regularisers;
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
        var device = CommonOptions.Device();
        var regularise = new Option<string?>("--regularise", "--regularize")
        {
            Description = "Training-side defence of explanations, NAME or NAME:key=value,...: weight_decay (lambda/2 ||theta||^2), input_gradient (double backpropagation, lambda mean ||dCE/dx||^2), " +
                "curvature (finite difference of class-score input gradients; direction=random|attack, h=8 on the 0-255 scale), hessian (Hutchinson ||Hessian||_F^2 on the softplus twin; beta=10, samples=1), " +
                "spectral (each layer's spectral norm projected onto [0, lambda] after every step; lambda is the bound) or pgd (adversarial training, + lambda CE(x_adv); eps=8, steps=5 on the 0-255 scale). Default: none. The American spelling --regularize is accepted too.",
        };
        var lambda = new Option<double?>("--lambda") { Description = "Strength of --regularise (unitless loss weight; for spectral the per-layer spectral-norm bound). Required with --regularise." };
        var cmd = new Command("train", "Train a model of the registry on a data set; prints test accuracy and saves weights plus metadata (architecture, preprocessing, class names, seed, accuracy, command).")
        {
            arch, dataset, data, epochs, batch, lr, wd, seed, activation, beta, trainLimit, imageSize, output, threads, device, regularise, lambda,
        };
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            TorchRuntime.Initialize(pr.GetValue(threads), pr.GetValue(device));
            string act = pr.GetValue(activation)!.ToLowerInvariant();
            if (act is not ("relu" or "softplus")) throw new FragilityException($"--activation must be relu or softplus, got '{act}'.");
            string? regulariserSpec = pr.GetValue(regularise);
            double? strength = pr.GetValue(lambda);
            if (regulariserSpec is not null && strength is null) throw new FragilityException("--regularise needs --lambda (the strength; for spectral the per-layer bound), e.g. --regularise input_gradient --lambda 0.1.");
            if (regulariserSpec is null && strength is not null) throw new FragilityException("--lambda is the strength of --regularise; name a regulariser too, e.g. --regularise weight_decay --lambda 5e-4.");
            if (regulariserSpec is not null && regulariserSpec.Split(':')[0].Trim().Equals("weight_decay", StringComparison.OrdinalIgnoreCase) && pr.GetValue(wd) != 0)
                throw new FragilityException("--weight-decay and --regularise weight_decay would both penalise the weights: use one of them.");
            var options = new TrainingOptions
            {
                Epochs = pr.GetValue(epochs), BatchSize = pr.GetValue(batch), LearningRate = pr.GetValue(lr),
                WeightDecay = pr.GetValue(wd), Seed = pr.GetValue(seed),
                Regulariser = regulariserSpec is null ? null : TrainingRegularisers.Create(regulariserSpec, strength!.Value, pr.GetValue(seed)),
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
            if (h <= References.SmallImageSide && w <= References.SmallImageSide)
            {
                using var m = MeanImages.PerPixel(train);
                pixelMean = m.cpu().data<float>().ToArray();
            }
            torch.manual_seed(options.Seed);
            var metadata = new ModelMetadata
            {
                ReferenceSource = pixelMean is null ? null : $"{train.Name} train, {train.Count} images",
                Architecture = pr.GetValue(arch)!,
                Preprocessing = new Preprocessing { Channels = c, Height = h, Width = w, ResizeShorter = load.ResizeShorter, Mean = mean, Std = std },
                ClassNames = train.ClassNames, Dataset = name, Seed = options.Seed, Activation = act, Beta = pr.GetValue(beta),
                ReferenceMean = pixelMean,
                Command = CliCommandLine.Of(pr),
                CreatedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture), FragilityVersion = typeof(Classifier).Assembly.GetName().Version?.ToString(3),
            };
            using var model = ModelStore.Create(metadata);
            AnsiConsole.MarkupLine($"Training [bold]{Markup.Escape(metadata.Architecture)}[/] on {train.Count} images of {c}x{h}x{w}, {options.Epochs} epochs, batch {options.BatchSize}, lr {options.LearningRate}, seed {options.Seed}, {torch.get_num_threads()} threads" +
                (options.Regulariser is null ? "." : $", regulariser {Markup.Escape(options.Regulariser.ToString() ?? options.Regulariser.Name)}."));
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
                    // Seconds per epoch include one test evaluation, the same for every regulariser (so differences are the regulariser's cost).
                    ["seconds_per_epoch"] = (report.Seconds / options.Epochs).ToString("F2", CultureInfo.InvariantCulture),
                    ["regularizer"] = options.Regulariser?.Name ?? "none",
                    ["regularizer_spec"] = regulariserSpec ?? "none",
                    ["lambda"] = strength is double l ? l.ToString("R", CultureInfo.InvariantCulture) : "0",
                    ["regularizer_settings"] = options.Regulariser?.ToString() ?? "none",
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
