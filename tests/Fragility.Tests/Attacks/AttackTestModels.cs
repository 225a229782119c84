using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attacks;

/// <summary>Tiny classifiers and synthetic images for attack tests (8-12 px, a few hundred parameters).</summary>
internal static class AttackTestModels
{
    public const int Size = 10;
    public const int Classes = 3;

    /// <summary>conv(1->6, 3x3) - act - conv(6->6, 3x3, stride 2) - act - dense 16 - act - dense classes.</summary>
    public static Classifier Tiny(int seed, int size = Size)
    {
        torch.manual_seed(seed);
        int half = (size + 1) / 2;
        var net = nn.Sequential(
            ("0", nn.Conv2d(1, 6, 3, padding: 1)), ("1", new SwitchableActivation()),
            ("2", nn.Conv2d(6, 6, 3, stride: 2, padding: 1)), ("3", new SwitchableActivation()),
            ("4", nn.Flatten()), ("5", nn.Linear(6L * half * half, 16)), ("6", new SwitchableActivation()),
            ("7", nn.Linear(16, Classes)));
        return new Classifier(net, new ModelMetadata
        {
            Architecture = "test-tiny",
            Preprocessing = Preprocessing.Plain(1, size, size),
            ClassNames = Enumerable.Range(0, Classes).Select(i => $"class{i}").ToArray(),
            Dataset = "synthetic",
        });
    }

    /// <summary>A linear classifier (flatten - dense): its gradient map is the weight row, the same for every input,
    /// so any objective of the map is exactly constant in x and the attack has no direction.</summary>
    public static Classifier Linear(int seed, int size = Size)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear((long)size * size, Classes)));
        return new Classifier(net, new ModelMetadata
        {
            Architecture = "test-linear",
            Preprocessing = Preprocessing.Plain(1, size, size),
            ClassNames = Enumerable.Range(0, Classes).Select(i => $"class{i}").ToArray(),
            Dataset = "synthetic",
        });
    }

    /// <summary>
    /// Synthetic images: a bright Gaussian blob whose position depends on the class (top-left, centre, bottom-right,
    /// with jitter) on a noisy background, values in [0, 1]. Deterministic for a seed.
    /// </summary>
    public static (Tensor Images, long[] Labels) Blobs(int count, int seed, int size = Size)
    {
        var rng = new Random(seed);
        var values = new float[count * size * size];
        var labels = new long[count];
        (double R, double C)[] centres = [(size * 0.25, size * 0.25), (size * 0.5, size * 0.5), (size * 0.75, size * 0.75)];
        for (int n = 0; n < count; n++)
        {
            int label = n % Classes;
            labels[n] = label;
            double r0 = centres[label].R + rng.NextDouble() - 0.5, c0 = centres[label].C + rng.NextDouble() - 0.5;
            for (int r = 0; r < size; r++)
                for (int c = 0; c < size; c++)
                {
                    double blob = Math.Exp(-((r - r0) * (r - r0) + (c - c0) * (c - c0)) / 3.0);
                    double v = 0.15 + 0.1 * rng.NextDouble() + 0.7 * blob;
                    values[(n * size + r) * size + c] = (float)Math.Clamp(v, 0, 1);
                }
        }
        return (torch.tensor(values, new long[] { count, 1, size, size }), labels);
    }

    private static readonly Lazy<Dictionary<string, Tensor>> TrainedState = new(TrainState);

    /// <summary>A tiny model trained on <see cref="Blobs"/> (200 Adam steps); a fresh instance each call, so tests can
    /// switch its activations independently.</summary>
    public static Classifier Trained()
    {
        var model = Tiny(seed: 11);
        ModelStore.LoadStateDict(model.Network, TrainedState.Value, "trained test model");
        return model;
    }

    private static Dictionary<string, Tensor> TrainState()
    {
        using var model = Tiny(seed: 11);
        var (images, labels) = Blobs(96, seed: 5);
        using var x = images;
        using var y = torch.tensor(labels);
        model.train();
        using var optimizer = torch.optim.Adam(model.parameters(), 0.01);
        for (int step = 0; step < 200; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x), y);
            loss.backward();
            optimizer.step();
        }
        model.eval();
        return model.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }
}
