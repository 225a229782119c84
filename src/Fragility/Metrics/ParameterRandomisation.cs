using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Metrics;

/// <summary>
/// The model-parameter randomisation check (Adebayo, Gilmer, Muelly, Goodfellow, Hardt and Kim 2018, "Sanity checks
/// for saliency maps", NeurIPS): a map that explains the model must change when the model's weights are replaced by
/// random ones. Here every parameter tensor is re-drawn at once (the "full" randomisation) from a normal
/// distribution with that tensor's own mean and standard deviation, so scales stay realistic while everything
/// learned is gone; the similarity of the trained and randomised models' maps (Spearman rank correlation of the
/// post-processed maps, for the trained model's label) should be low. A map that stays the same (correlation near 1)
/// reflects the input (edges, intensity), not the model.
/// </summary>
public static class ParameterRandomisation
{
    /// <summary>Re-draws every parameter of <paramref name="model"/> in place from N(mean, std^2) of that parameter
    /// tensor (std of a single value or a constant tensor: 0.01 * max(|mean|, 1)), seeded by <paramref name="seed"/>.</summary>
    public static void Randomise(Classifier model, long seed)
    {
        using var generator = new torch.Generator((ulong)seed, torch.CPU);
        using var noGrad = torch.no_grad();
        foreach (var p in model.parameters())
        {
            using var scope = torch.NewDisposeScope();
            var values = p.detach().to(ScalarType.Float64);
            double mean = values.mean().item<double>();
            double std = p.numel() > 1 ? values.std(unbiased: false).item<double>() : 0;
            if (!(std > 0)) std = 0.01 * Math.Max(Math.Abs(mean), 1.0);
            // Drawn on the CPU (the generator's device) and then moved: the same seed re-draws the same weights on every device.
            var draw = torch.randn(p.shape, dtype: ScalarType.Float64, device: torch.CPU, generator: generator).mul(std).add(mean);
            p.copy_(draw.to(p.dtype, p.device));
        }
    }

    /// <summary>Randomises <paramref name="model"/> in place (as <see cref="Randomise"/>) until the returned object is
    /// disposed, which puts the trained parameters back: the check needs no second copy of the model, so it works for
    /// every architecture, including models built in memory.</summary>
    public static IDisposable Temporarily(Classifier model, long seed)
    {
        var saved = model.parameters().Select(p => p.detach().clone()).ToList();
        Randomise(model, seed);
        return new Restore(model, saved);
    }

    private sealed class Restore(Classifier model, List<Tensor> saved) : IDisposable
    {
        public void Dispose()
        {
            using (torch.no_grad())
                foreach (var (p, v) in model.parameters().Zip(saved)) p.copy_(v);
            foreach (var v in saved) v.Dispose();
            saved.Clear();
        }
    }

    /// <summary>Spearman rank correlation of each pair of maps [N, H, W] (trained, randomised).</summary>
    public static double[] Similarity(Tensor trainedMaps, Tensor randomisedMaps)
    {
        return MapPairs.Compare(new SpearmanRankCorrelation(), trainedMaps, randomisedMaps);
    }

    /// <summary>
    /// The whole check on one batch: the maps [N, H, W] of <paramref name="method"/> on the ReLU network with every
    /// parameter re-drawn (<see cref="Temporarily"/>, seed <paramref name="seed"/>) for the trained model's
    /// <paramref name="labels"/> (as Adebayo et al.), compared with <paramref name="trainedMaps"/> by <see cref="Similarity"/>.
    /// The trained parameters are back when it returns.
    /// </summary>
    public static double[] Check(Classifier model, IAttributionMethod method, Tensor inputs, Tensor labels, Tensor trainedMaps, long seed)
    {
        using var scope = torch.NewDisposeScope();
        using var randomised = Temporarily(model, seed);
        using var relu = model.UseRelu();
        return Similarity(trainedMaps, SaliencyMaps.FromAttribution(method.Attribute(model, inputs, labels)).detach());
    }
}
