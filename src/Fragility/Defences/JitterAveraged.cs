using System.Globalization;
using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Defences;

/// <summary>
/// Averaging over small input jitters: the mean of a method's attributions over every translation of the input by
/// (dy, dx) in {-R..R}^2 pixels, each shifted back into place before averaging (translation jitter as used to
/// stabilise feature visualisations, Olah, Mordvintsev and Schubert 2017, "Feature visualization", Distill; the
/// averaging principle is SmoothGrad's, Smilkov et al. 2017, with a deterministic, structured set of perturbations).
/// The shifted input repeats its edge pixels; attribution shifted in from outside the image is zero. The set of
/// shifts is fixed, so the map is a deterministic function of x and an adaptive attack differentiates the same
/// average it is evaluated with.
/// </summary>
public sealed class JitterAveraged : IAttributionMethod
{
    /// <summary>Creates the defence.</summary>
    /// <param name="inner">The method whose maps are averaged.</param>
    /// <param name="radius">Largest shift R in pixels (at least 1; (2R+1)^2 maps per input). Default 1.</param>
    public JitterAveraged(IAttributionMethod inner, int radius = 1)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (radius < 1 || radius > 8) throw new FragilityException($"The jitter radius must be 1 to 8 pixels, got {radius}.");
        Inner = inner;
        Radius = radius;
    }

    /// <summary>The wrapped method.</summary>
    public IAttributionMethod Inner { get; }

    /// <summary>Largest shift R in pixels.</summary>
    public int Radius { get; }

    /// <inheritdoc />
    public string Name => Inner.Name + "_jitter";

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"jitter({Inner.Description}, shifts -{Radius}..{Radius} px, {(2 * Radius + 1) * (2 * Radius + 1)} maps)");

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => Inner.NeedsSmoothTwinForAttack;

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
    {
        Gradients.CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        var x = createGraph ? input : input.detach();
        int r = Radius;
        long h = x.shape[2], w = x.shape[3];
        var padded = nn.functional.pad(x, [r, r, r, r], PaddingModes.Replicate);
        var shifts = new List<(int Dy, int Dx)>();
        for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++) shifts.Add((dy, dx));
        // shifted(i, j) = x(i - dy, j - dx): the content moves by (dy, dx).
        var batch = torch.cat(shifts.Select(s => padded.narrow(2, r - s.Dy, h).narrow(3, r - s.Dx, w)).ToArray(), 0);
        var targets = target.repeat(shifts.Count);
        var attribution = Inner.Attribute(model, batch, targets, createGraph);
        var back = nn.functional.pad(attribution, [r, r, r, r]);   // zeros outside the image
        long n = x.shape[0];
        Tensor sum = torch.zeros_like(x);
        for (int k = 0; k < shifts.Count; k++)
        {
            var (dy, dx) = shifts[k];
            // back-shifted(i, j) = a(i + dy, j + dx), zero where that lies outside the image.
            sum = sum + back.narrow(0, k * n, n).narrow(2, r + dy, h).narrow(3, r + dx, w);
        }
        var mean = sum / shifts.Count;
        if (!createGraph) mean = mean.detach();
        return mean.MoveToOuterDisposeScope();
    }
}
