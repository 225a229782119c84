using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>
/// The model's own input normalisation, (x - mean[c]) / std[c] per channel, applied to pixel-scale input in
/// [0, 1]. It holds no parameters or buffers, so it never appears in a state_dict (torchvision's keys stay exact).
/// </summary>
public sealed class ChannelNormalisation : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _mean;
    private readonly Tensor _std;

    /// <summary>Creates the normalisation; <paramref name="mean"/> and <paramref name="std"/> have one entry per channel.</summary>
    public ChannelNormalisation(IReadOnlyList<double> mean, IReadOnlyList<double> std) : base("normalization")
    {
        if (mean.Count != std.Count) throw new ArgumentException("mean and std need the same number of channels");
        if (std.Any(s => s <= 0)) throw new FragilityException("Preprocessing std must be positive in every channel; fix the model's metadata.");
        Mean = mean.ToArray();
        Std = std.ToArray();
        // Not registered: constants of the architecture, not weights.
        _mean = torch.tensor(Mean.Select(v => (float)v).ToArray()).reshape(1, Mean.Length, 1, 1);
        _std = torch.tensor(Std.Select(v => (float)v).ToArray()).reshape(1, Std.Length, 1, 1);
    }

    /// <summary>Per-channel mean subtracted (pixel scale).</summary>
    public double[] Mean { get; }

    /// <summary>Per-channel standard deviation divided by (pixel scale).</summary>
    public double[] Std { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dtype == ScalarType.Float32) return (input - _mean).div(_std);
        using var m = _mean.to(input.dtype);
        using var s = _std.to(input.dtype);
        return (input - m).div(s);
    }

    /// <summary>Maps a pixel-scale value range [lo, hi] to the normalised range, per channel.</summary>
    public (double[] Low, double[] High) NormalisedBounds(double lo = 0.0, double hi = 1.0) =>
        (Mean.Select((m, c) => (lo - m) / Std[c]).ToArray(), Mean.Select((m, c) => (hi - m) / Std[c]).ToArray());

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) { _mean.Dispose(); _std.Dispose(); }
        base.Dispose(disposing);
    }
}
