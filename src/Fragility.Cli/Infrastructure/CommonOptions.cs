using System.CommandLine;

namespace Fragility.Cli.Infrastructure;

/// <summary>Options shared by several commands, defined once so their help text and defaults agree.</summary>
public static class CommonOptions
{
    /// <summary>--model PATH (default: the shipped Fashion-MNIST model).</summary>
    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = "Model file (.safetensors written by 'fragility train' or 'fragility import'). Default: the shipped Fashion-MNIST small-cnn (models/fashion-mnist-small-cnn.safetensors).",
    };

    /// <summary>--dataset NAME.</summary>
    public static Option<string> Dataset(string defaultValue) => new("--dataset")
    {
        Description = "Data set: fashion-mnist (Debian's dataset-fashion-mnist), mnist, cifar10 (binary version), folder (one sub-folder per class, or flat, of PNG/JPEG), or sample (the 256 Fashion-MNIST test images shipped in models/samples).",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>--data DIR.</summary>
    public static Option<string?> Data() => new("--data")
    {
        Description = "Folder of the data set's files. Default: /usr/share/datasets/fashion-mnist for fashion-mnist; required for mnist, cifar10 and folder.",
    };

    /// <summary>--out DIR.</summary>
    public static Option<string> Out(string defaultValue) => new("--out", "-o")
    {
        Description = "Output folder (created if missing).",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>--seed N.</summary>
    public static Option<int> Seed() => new("--seed")
    {
        Description = "Random seed; the same seed gives the same result.",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>--threads N.</summary>
    public static Option<int> Threads() => new("--threads")
    {
        Description = $"CPU threads for tensor work (this machine has {Environment.ProcessorCount} cores). Default: 1, the safe choice on a shared machine " +
            "(per-operation threading overhead dominates small tensors: a 32-image attack sweep ran 9x faster on 1 thread than on 2 on a busy 2-core machine). " +
            "On an idle machine, or for large inputs such as 224x224 SqueezeNet, use all cores: small-cnn attack steps were mostly 1.3-1.9x faster on 2 threads of an idle 2-core machine.",
        DefaultValueFactory = _ => 1,
    };
}
