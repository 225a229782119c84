using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// The architectures Fragility knows by name. Every ReLU is a <see cref="SwitchableActivation"/>, so any
/// model can be switched to its softplus twin.
/// </summary>
public static class ModelRegistry
{
    /// <summary>A fast two-convolution network (16 and 32 channels, max-pools, dense 128) for tests, the shipped model and quick runs.</summary>
    public const string SmallCnn = "small-cnn";

    /// <summary>The paper's CIFAR-10 network (docs/method.md §7).</summary>
    public const string PaperCnn = "paper-cnn";

    /// <summary>torchvision's SqueezeNet 1.1, with torchvision's state_dict keys.</summary>
    public const string SqueezeNet11 = "squeezenet1_1";

    /// <summary>All registered architecture names.</summary>
    public static IReadOnlyList<string> Names { get; } = [SmallCnn, PaperCnn, SqueezeNet11];

    /// <summary>Creates an architecture with freshly initialised weights.</summary>
    /// <param name="architecture">One of <see cref="Names"/>.</param>
    /// <param name="channels">Input channels (1 grey, 3 RGB).</param>
    /// <param name="height">Input height in pixels.</param>
    /// <param name="width">Input width in pixels.</param>
    /// <param name="classes">Number of output classes.</param>
    public static nn.Module<Tensor, Tensor> Create(string architecture, int channels, int height, int width, int classes)
    {
        if (channels < 1 || height < 8 || width < 8 || classes < 2)
            throw new FragilityException($"Cannot build '{architecture}' for input {channels}x{height}x{width} with {classes} classes: need at least 1 channel, 8x8 pixels and 2 classes.");
        return architecture switch
        {
            SmallCnn => BuildSmallCnn(channels, height, width, classes),
            PaperCnn => BuildPaperCnn(channels, height, width, classes),
            SqueezeNet11 => BuildSqueezeNet11(channels, height, width, classes),
            Import.OnnxNetwork.ArchitectureName => throw new FragilityException("An imported ONNX model has no registry definition: its graph is stored in its model file. Load that file (--model FILE), or import the .onnx again with 'fragility import FILE --onnx --out MODEL.safetensors'."),
            _ => throw new FragilityException($"Unknown architecture '{architecture}'. Choose one of: {string.Join(", ", Names)}."),
        };
    }

    private static FeatureClassifierNetwork BuildSmallCnn(int c, int h, int w, int classes)
    {
        var features = nn.Sequential(
            ("0", nn.Conv2d(c, 16, 3, padding: 1)), ("1", new SwitchableActivation()), ("2", nn.MaxPool2d(2)),
            ("3", nn.Conv2d(16, 32, 3, padding: 1)), ("4", new SwitchableActivation()), ("5", nn.MaxPool2d(2)));
        long flat = 32L * (h / 4) * (w / 4);
        var classifier = nn.Sequential(
            ("0", nn.Flatten()), ("1", nn.Linear(flat, 128)), ("2", new SwitchableActivation()), ("3", nn.Linear(128, classes)));
        return new FeatureClassifierNetwork(SmallCnn, features, classifier, flattenAtEnd: false);
    }

    private static FeatureClassifierNetwork BuildPaperCnn(int c, int h, int w, int classes)
    {
        // 3x3 convolutions 96, 96, 96/stride 2, 192, 192, 192/stride 2, dense 1024 (Ghorbani et al., appendix).
        var features = nn.Sequential(
            ("0", nn.Conv2d(c, 96, 3, padding: 1)), ("1", new SwitchableActivation()),
            ("2", nn.Conv2d(96, 96, 3, padding: 1)), ("3", new SwitchableActivation()),
            ("4", nn.Conv2d(96, 96, 3, stride: 2, padding: 1)), ("5", new SwitchableActivation()),
            ("6", nn.Conv2d(96, 192, 3, padding: 1)), ("7", new SwitchableActivation()),
            ("8", nn.Conv2d(192, 192, 3, padding: 1)), ("9", new SwitchableActivation()),
            ("10", nn.Conv2d(192, 192, 3, stride: 2, padding: 1)), ("11", new SwitchableActivation()));
        long h2 = (h + 1) / 2, w2 = (w + 1) / 2;
        long flat = 192L * ((h2 + 1) / 2) * ((w2 + 1) / 2);
        var classifier = nn.Sequential(
            ("0", nn.Flatten()), ("1", nn.Linear(flat, 1024)), ("2", new SwitchableActivation()), ("3", nn.Linear(1024, classes)));
        return new FeatureClassifierNetwork(PaperCnn, features, classifier, flattenAtEnd: false);
    }

    private static FeatureClassifierNetwork BuildSqueezeNet11(int c, int h, int w, int classes)
    {
        if (h < 32 || w < 32) throw new FragilityException($"squeezenet1_1 needs inputs of at least 32x32 pixels (it downsamples 16x); got {h}x{w}. Use small-cnn or paper-cnn for small images.");
        MaxPool2d Pool() => nn.MaxPool2d(3, 2, ceil_mode: true);
        var features = nn.Sequential(
            ("0", nn.Conv2d(c, 64, 3, stride: 2)), ("1", new SwitchableActivation()), ("2", Pool()),
            ("3", new Fire(64, 16, 64, 64, "features.3")), ("4", new Fire(128, 16, 64, 64, "features.4")), ("5", Pool()),
            ("6", new Fire(128, 32, 128, 128, "features.6")), ("7", new Fire(256, 32, 128, 128, "features.7")), ("8", Pool()),
            ("9", new Fire(256, 48, 192, 192, "features.9")), ("10", new Fire(384, 48, 192, 192, "features.10")),
            ("11", new Fire(384, 64, 256, 256, "features.11")), ("12", new Fire(512, 64, 256, 256, "features.12")));
        var classifier = nn.Sequential(
            ("0", nn.Dropout(0.5)), ("1", nn.Conv2d(512, classes, 1)), ("2", new SwitchableActivation()),
            ("3", nn.AdaptiveAvgPool2d([1, 1])));
        // torchvision's initialisation: kaiming-uniform for convs, normal(0, 0.01) for the final conv, zero biases.
        using (torch.no_grad())
        {
            foreach (var (name, p) in features.named_parameters())
            {
                if (name.EndsWith("weight")) nn.init.kaiming_uniform_(p);
                else nn.init.zeros_(p);
            }
            foreach (var (name, p) in classifier.named_parameters())
            {
                if (name.EndsWith("weight")) nn.init.normal_(p, 0, 0.01);
                else nn.init.zeros_(p);
            }
        }
        return new FeatureClassifierNetwork(SqueezeNet11, features, classifier, flattenAtEnd: true);
    }
}
