using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// The completeness check shared by integrated gradients and DeepLIFT (Sundararajan et al. 2017, "Axiomatic
/// attribution for deep networks"; Shrikumar et al. 2017): the attributions of one input should sum to
/// score_y(x) - score_y(r).
/// </summary>
public static class Completeness
{
    /// <summary>Measures the completeness error of <paramref name="attribution"/> [N, C, H, W] for inputs
    /// <paramref name="input"/> with references <paramref name="reference"/> (both [N, C, H, W]) and classes
    /// <paramref name="target"/> [N]. Runs without gradients; sums in float64.</summary>
    public static CompletenessError Measure(Classifier model, Tensor input, Tensor reference, Tensor target, Tensor attribution)
    {
        Gradients.CheckTarget(model, input, target);
        if (!reference.shape.SequenceEqual(input.shape) || !attribution.shape.SequenceEqual(input.shape))
            throw new ArgumentException($"reference [{string.Join(",", reference.shape)}] and attribution [{string.Join(",", attribution.shape)}] must have the input's shape [{string.Join(",", input.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var fx = Gradients.ClassScore(model, input.detach(), target).to(ScalarType.Float64);
        var fr = Gradients.ClassScore(model, reference.detach(), target).to(ScalarType.Float64);
        var delta = (fx - fr).cpu().data<double>().ToArray();
        var sums = attribution.detach().to(ScalarType.Float64).flatten(1).sum(1).cpu().data<double>().ToArray();
        var absolute = sums.Select((s, i) => Math.Abs(s - delta[i])).ToArray();
        var relative = absolute.Select((a, i) => a == 0 ? 0 : a / Math.Abs(delta[i])).ToArray();
        return new CompletenessError(absolute, relative, delta);
    }
}
