using Fragility.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Training;

/// <summary>Per-channel mean and standard deviation of a training set: the normalisation a trained model applies.</summary>
public static class NormalisationStatistics
{
    /// <summary>Mean and (population) standard deviation per channel, pixel scale, computed in float64.</summary>
    public static (double[] Mean, double[] Std) Compute(ImageDataset data)
    {
        using var scope = torch.NewDisposeScope();
        var x = data.Images.to(ScalarType.Float64);
        var mean = x.mean([0L, 2L, 3L]).cpu().data<double>().ToArray();
        var std = x.std([0L, 2L, 3L], unbiased: false).cpu().data<double>().ToArray();
        return (mean, std.Select(s => Math.Max(s, 1e-6)).ToArray());
    }
}
