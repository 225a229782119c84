using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Models;
using Fragility.Training;
using Fragility.Training.Regularisers;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility train</c>: trains a registry architecture on a data set and saves it with its metadata (the
/// work is <see cref="TrainingRun"/>'s).</summary>
public sealed class TrainCommand : ICliCommand
{
    private static readonly TrainingOptions Defaults = new();

    /// <inheritdoc />
    public int Order => 80;

    /// <inheritdoc />
    public Command Build()
    {
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", ModelRegistry.Names)}.", DefaultValueFactory = _ => ModelRegistry.SmallCnn };
        var dataset = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        var data = CommonOptions.Data();
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => Defaults.Epochs }.AtLeast(1);
        var batch = new Option<int>("--batch-size") { Description = "Images per optimisation step.", DefaultValueFactory = _ => Defaults.BatchSize }.AtLeast(1);
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => Defaults.LearningRate }.Positive();
        var wd = new Option<double>("--weight-decay") { Description = "L2 weight decay (Adam's weight_decay).", DefaultValueFactory = _ => Defaults.WeightDecay }.AtLeast(0.0);
        var seed = CommonOptions.Seed();
        var activation = new Option<string>("--activation") { Description = "Nonlinearity to train with: relu or softplus.", DefaultValueFactory = _ => "relu" }.ListOf(["relu", "softplus"]);
        var beta = new Option<double>("--beta") { Description = "Softplus beta when --activation softplus (softplus(z) = log(1+exp(beta z))/beta).", DefaultValueFactory = _ => 1.0 }.Positive();
        var trainLimit = new Option<int?>("--train-images") { Description = "Use only the first N training images (without it: all)." }.AtLeast(1);
        var imageSize = new Option<int?>("--image-size") { Description = "Resize images to this many pixels square (without it: the data set's own size, 224 for folders)." }.AtLeast(1);
        var output = new Option<string>("--out", "-o") { Description = "Where to save the model (.safetensors).", DefaultValueFactory = _ => "model.safetensors" };
        var runtime = new RuntimeCliOptions();
        var regularise = new Option<string?>("--regularise", "--regularize")
        {
            Description = "Training-side defence of explanations, NAME or NAME:key=value,...: weight_decay (lambda/2 ||theta||^2), input_gradient (double backpropagation, lambda mean ||dCE/dx||^2), " +
                "curvature (finite difference of class-score input gradients; direction=random|attack, h=8 on the 0-255 scale), hessian (Hutchinson ||Hessian||_F^2 on the softplus twin; beta=10, samples=1), " +
                "spectral (each layer's spectral norm projected onto [0, lambda] after every step; lambda is the bound) or pgd (adversarial training, + lambda CE(x_adv); eps=8, steps=5 on the 0-255 scale). Without it: none. The American spelling --regularize is accepted too.",
        };
        var lambda = new Option<double?>("--lambda") { Description = "Strength of --regularise (unitless loss weight; for spectral the per-layer spectral-norm bound). Required with --regularise." };
        var cmd = new Command("train", "Train a model of the registry on a data set; prints test accuracy and saves weights plus metadata (architecture, preprocessing, class names, seed, accuracy, command).")
        {
            arch, dataset, data, epochs, batch, lr, wd, seed, activation, beta, trainLimit, imageSize, output, regularise, lambda,
        };
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            string? spec = pr.GetValue(regularise);
            double? strength = pr.GetValue(lambda);
            var request = new TrainingRequest
            {
                Architecture = pr.GetValue(arch)!, Dataset = pr.GetValue(dataset)!, DataDir = pr.GetValue(data), ImageSize = pr.GetValue(imageSize), TrainImages = pr.GetValue(trainLimit),
                Activation = pr.GetValue(activation)!.ToLowerInvariant(), Beta = pr.GetValue(beta), RegulariserSpec = spec, Lambda = strength, Command = CliCommandLine.Of(pr),
                Options = new TrainingOptions
                {
                    Epochs = pr.GetValue(epochs), BatchSize = pr.GetValue(batch), LearningRate = pr.GetValue(lr), WeightDecay = pr.GetValue(wd), Seed = pr.GetValue(seed),
                    Regulariser = spec is null || strength is null ? null : TrainingRegularisers.Create(spec, strength.Value, pr.GetValue(seed)),
                },
            };
            string path = pr.GetValue(output)!;
            var report = ConsoleProgress.Run(console, "train", p => TrainingRun.Run(request, path, console.Line, p));
            console.Markup($"Test accuracy [bold]{report.Test!.Accuracy.ToString("P2", CultureInfo.InvariantCulture)}[/] on {report.Test.Count} images; trained in {report.Seconds.ToString("F0", CultureInfo.InvariantCulture)} s. Saved [green]{Markup.Escape(path)}[/].");
            return 0;
        }));
        return cmd;
    }
}
