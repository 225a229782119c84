namespace Fragility.Models.Import;

/// <summary>
/// A named preprocessing for imported models (geometry and the per-channel normalisation the model expects on
/// pixel-scale [0, 1] input), with the class names of its data set when they are standard.
/// </summary>
/// <param name="Name">The preset's name on the command line.</param>
/// <param name="Preprocessing">Geometry and normalisation; null for <see cref="None"/> (identity normalisation, geometry
/// from the model).</param>
/// <param name="ClassNames">The data set's class names in label order, or null when the preset has none.</param>
public sealed record ImportPreset(string Name, Preprocessing? Preprocessing, IReadOnlyList<string>? ClassNames)
{
    /// <summary>torchvision's ImageNet preprocessing (RGB, resize the shorter side to 256, centre crop 224, mean
    /// (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)) and the 1000 ImageNet class names.</summary>
    public static ImportPreset ImageNet { get; } = new("imagenet", Models.Preprocessing.ImageNet, ImageNetClassNames.All);

    /// <summary>Fashion-MNIST: grey 28x28, mean 0.2860, std 0.3530 (the training set's pixel statistics), and its 10 class names.</summary>
    public static ImportPreset FashionMnist { get; } = new("fashion-mnist",
        new Preprocessing { Channels = 1, Height = 28, Width = 28, Mean = [0.2860], Std = [0.3530] },
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

    /// <summary>CIFAR-10: RGB 32x32, mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616) (the training set's
    /// per-channel statistics), and its 10 class names.</summary>
    public static ImportPreset Cifar10 { get; } = new("cifar10",
        new Preprocessing { Channels = 3, Height = 32, Width = 32, Mean = [0.4914, 0.4822, 0.4465], Std = [0.2470, 0.2435, 0.2616] },
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);

    /// <summary>No normalisation (mean 0, std 1); the geometry comes from the model (the ONNX input, or the
    /// architecture's usual size) and the class names from --labels or --classes.</summary>
    public static ImportPreset None { get; } = new("none", null, null);

    /// <summary>All presets.</summary>
    public static IReadOnlyList<ImportPreset> All { get; } = [ImageNet, FashionMnist, Cifar10, None];

    /// <summary>The preset called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="FragilityException">Unknown name.</exception>
    public static ImportPreset Find(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new FragilityException($"Unknown preprocessing '{name}'. Choose one of: {string.Join(", ", All.Select(p => p.Name))}.");

    /// <summary>The preset a registry architecture is usually trained with: squeezenet1_1 ImageNet, small-cnn
    /// Fashion-MNIST, paper-cnn CIFAR-10; <see cref="None"/> otherwise (imported ONNX graphs).</summary>
    public static ImportPreset For(string? architecture) => architecture switch
    {
        ModelRegistry.SqueezeNet11 => ImageNet,
        ModelRegistry.SmallCnn => FashionMnist,
        ModelRegistry.PaperCnn => Cifar10,
        _ => None,
    };
}
