using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

/// <summary>Tiny float64 models and helpers built in the tests (independent of trained weights).</summary>
internal static class TestModels
{
    public const int Size = 12;

    /// <summary>Wraps any network as a float64 classifier for [channels, h, w] inputs with a non-trivial normalisation.</summary>
    public static Classifier Wrap(nn.Module<Tensor, Tensor> network, int channels, int h, int w, int classes, double mean = 0.3, double std = 0.35)
    {
        var model = new Classifier(network, new ModelMetadata
        {
            Architecture = "test",
            Preprocessing = new Preprocessing
            {
                Channels = channels, Height = h, Width = w,
                Mean = Enumerable.Repeat(mean, channels).ToArray(), Std = Enumerable.Repeat(std, channels).ToArray(),
            },
            ClassNames = Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray(),
        });
        model.to(ScalarType.Float64);
        return model;
    }

    /// <summary>A ReLU CNN on 1x12x12 with biases, two max-pools (the second overlapping, in ceil mode) and an average
    /// pool: conv 4 - act - maxpool 2 - conv 6 - act - maxpool 3/2 ceil - avgpool 2/1 - flatten - linear 10 - act - linear 3.</summary>
    public static Classifier ReluCnn(int seed, bool biases = true)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(
            ("0", nn.Conv2d(1, 4, 3, padding: 1)), ("1", new SwitchableActivation()), ("2", nn.MaxPool2d(2)),
            ("3", nn.Conv2d(4, 6, 3, padding: 1)), ("4", new SwitchableActivation()), ("5", nn.MaxPool2d(3, 2, ceil_mode: true)),
            ("6", nn.AvgPool2d(2, 1)), ("7", nn.Flatten()),
            ("8", nn.Linear(6 * 2 * 2, 10)), ("9", new SwitchableActivation()), ("10", nn.Linear(10, 3)));
        var model = Wrap(net, 1, Size, Size, 3);
        if (!biases) ZeroBiases(model);
        return model;
    }

    /// <summary>A network without kinks for smooth-path checks: conv 4 - softplus - avgpool 2 - conv 6 - softplus -
    /// avgpool 3/2 ceil - flatten - linear 10 - softplus - linear 3 (switchable activations set to softplus, beta 1).</summary>
    public static Classifier SmoothCnn(int seed)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(
            ("0", nn.Conv2d(1, 4, 3, padding: 1)), ("1", new SwitchableActivation()), ("2", nn.AvgPool2d(2)),
            ("3", nn.Conv2d(4, 6, 3, padding: 1)), ("4", new SwitchableActivation()), ("5", nn.AvgPool2d(3, 2, ceil_mode: true)),
            ("6", nn.Flatten()), ("7", nn.Linear(6 * 3 * 3, 10)), ("8", new SwitchableActivation()), ("9", nn.Linear(10, 3)));
        var model = Wrap(net, 1, Size, Size, 3);
        model.SetActivation(ActivationMode.Softplus, 1.0);
        return model;
    }

    /// <summary>A model without any nonlinearity: conv - avgpool - flatten - linear, with biases.</summary>
    public static Classifier LinearCnn(int seed)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(
            ("0", nn.Conv2d(1, 3, 3, padding: 1)), ("1", nn.AvgPool2d(2)), ("2", nn.Flatten()), ("3", nn.Linear(3 * 6 * 6, 3)));
        return Wrap(net, 1, Size, Size, 3);
    }

    /// <summary>Re-initialises weights He-normal (std sqrt(2 / fan_in)) and biases uniform in [-0.1, 0.1], so that,
    /// like a trained network and unlike PyTorch's default initialisation, scores change by order one across inputs.</summary>
    public static Classifier HeInit(Classifier model, int seed)
    {
        using var _ = torch.no_grad();
        using var g = new torch.Generator((ulong)seed);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.EndsWith("weight"))
            {
                long fanIn = p.numel() / p.shape[0];
                using var w = torch.randn(p.shape, dtype: p.dtype, generator: g) * Math.Sqrt(2.0 / fanIn);
                p.copy_(w);
            }
            else
            {
                using var b = (torch.rand(p.shape, dtype: p.dtype, generator: g) - 0.5) * 0.2;
                p.copy_(b);
            }
        }
        return model;
    }

    /// <summary>Sets every bias of the model to zero.</summary>
    public static void ZeroBiases(nn.Module model)
    {
        using var _ = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.EndsWith("bias")) p.zero_();
    }

    /// <summary>Inputs in [0.05, 0.95] (inside the valid range, continuous so no ties), float64.</summary>
    public static Tensor Inputs(int n, int seed, int channels = 1, int size = Size)
    {
        using var g = new torch.Generator((ulong)seed);
        return torch.rand([n, channels, size, size], dtype: ScalarType.Float64, generator: g) * 0.9 + 0.05;
    }

    /// <summary>The model's predicted labels.</summary>
    public static Tensor Predicted(Classifier model, Tensor x)
    {
        using var _ = torch.no_grad();
        return model.forward(x).argmax(1);
    }

    /// <summary>A random mean image [C, H, W] in [0.2, 0.6] as a reference (continuous values: no ties in max-pools).</summary>
    public static MeanImageReference RandomMeanReference(int seed, int channels = 1, int size = Size)
    {
        using var g = new torch.Generator((ulong)seed);
        using var mean = torch.rand([channels, size, size], dtype: ScalarType.Float64, generator: g) * 0.4 + 0.2;
        return new MeanImageReference(mean);
    }

    /// <summary>Central finite difference (F(x + h v) - F(x - h v)) / 2h of a scalar function of x.</summary>
    public static double Directional(Func<Tensor, double> f, Tensor x, Tensor v, double h)
    {
        using var plus = x + h * v;
        using var minus = x - h * v;
        return (f(plus) - f(minus)) / (2 * h);
    }
}
