using System.CommandLine;
using Fragility.Data;
using Fragility.Models;
using Fragility.Training;
using Fragility.Training.Regularisers;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options of <c>train</c>, bound to <see cref="TrainingRequest"/> and <see cref="TrainingOptions"/>, whose
/// defaults they show.</summary>
internal sealed class TrainCliOptions
{
    private static readonly TrainingOptions Defaults = new();

    public Option<string> Arch { get; } = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", ModelRegistry.Names)}.", DefaultValueFactory = _ => ModelRegistry.SmallCnn };
    public Option<string> Dataset { get; } = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
    public Option<string?> Data { get; } = CommonOptions.Data();
    public Option<int> Epochs { get; } = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => Defaults.Epochs }.AtLeast(1);
    public Option<int> BatchSize { get; } = new Option<int>("--batch-size") { Description = "Images per optimisation step.", DefaultValueFactory = _ => Defaults.BatchSize }.AtLeast(1);
    public Option<double> LearningRate { get; } = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => Defaults.LearningRate }.Positive();
    public Option<double> WeightDecay { get; } = new Option<double>("--weight-decay") { Description = "L2 weight decay (Adam's weight_decay).", DefaultValueFactory = _ => Defaults.WeightDecay }.AtLeast(0.0);
    public Option<int> Seed { get; } = CommonOptions.Seed();
    public Option<string> Activation { get; } = new Option<string>("--activation") { Description = "Nonlinearity to train with: relu or softplus.", DefaultValueFactory = _ => "relu" }.ListOf(["relu", "softplus"]);
    public Option<double> Beta { get; } = new Option<double>("--beta") { Description = "Softplus beta when --activation softplus (softplus(z) = log(1+exp(beta z))/beta).", DefaultValueFactory = _ => 1.0 }.Positive();
    public Option<int?> TrainImages { get; } = new Option<int?>("--train-images") { Description = "Use only the first N training images (without it: all)." }.AtLeast(1);
    public Option<int?> ImageSize { get; } = new Option<int?>("--image-size") { Description = "Resize images to this many pixels square (without it: the data set's own size, 224 for folders)." }.AtLeast(1);
    public Option<string?> Regularise { get; } = new Option<string?>("--regularise", "--regularize")
    {
        Description = "Training-side defence of explanations, NAME or NAME:key=value,...: weight_decay (lambda/2 ||theta||^2), input_gradient (double backpropagation, lambda mean ||dCE/dx||^2), " +
            "curvature (finite difference of class-score input gradients; direction=random|attack, h=8 on the 0-255 scale), hessian (Hutchinson ||Hessian||_F^2 on the softplus twin; beta=10, samples=1), " +
            "spectral (each layer's spectral norm projected onto [0, lambda] after every step; lambda is the bound) or pgd (adversarial training, + lambda CE(x_adv); eps=8, steps=5 on the 0-255 scale). Without it: none. The American spelling --regularize is accepted too.",
    };
    public Option<double?> Lambda { get; } = new Option<double?>("--lambda") { Description = "Strength of --regularise (unitless loss weight; for spectral the per-layer spectral-norm bound). Required with --regularise." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Arch, Dataset, Data, Epochs, BatchSize, LearningRate, WeightDecay, Seed, Activation, Beta, TrainImages, ImageSize, Regularise, Lambda })
            command.Options.Add(o);
    }

    /// <summary>What to train, as the options say (checked by <see cref="TrainingRequest.Validate"/> when it runs).</summary>
    public TrainingRequest Bind(ParseResult pr, string command)
    {
        string? spec = pr.GetValue(Regularise);
        double? strength = pr.GetValue(Lambda);
        return new TrainingRequest
        {
            Architecture = pr.GetValue(Arch)!, Dataset = pr.GetValue(Dataset)!, DataDir = pr.GetValue(Data), ImageSize = pr.GetValue(ImageSize), TrainImages = pr.GetValue(TrainImages),
            Activation = pr.GetValue(Activation)!.ToLowerInvariant(), Beta = pr.GetValue(Beta), RegulariserSpec = spec, Lambda = strength, Command = command,
            Options = new TrainingOptions
            {
                Epochs = pr.GetValue(Epochs), BatchSize = pr.GetValue(BatchSize), LearningRate = pr.GetValue(LearningRate), WeightDecay = pr.GetValue(WeightDecay), Seed = pr.GetValue(Seed),
                Regulariser = spec is null || strength is null ? null : TrainingRegularisers.Create(spec, strength.Value, pr.GetValue(Seed)),
            },
        };
    }
}
